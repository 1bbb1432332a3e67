"""The README's quick start: its two commands, what CI runs, and scripts/test.sh's steps (venv, chromium, root).

The commands themselves were run on a fresh clone with Debian 12's /usr/bin/python3 (see the qs branch's
report); these tests keep the README, .ci/run, .gitignore and the script agreeing, and run the script's steps
(sourced from scripts/test.sh) against stand-in programs: no root, no sudo, no venv module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "test.sh"
BASH = shutil.which("bash") or "/bin/bash"


def quick_start_commands() -> list[str]:
    """The README's quick start: the lines of its first code block, comments dropped."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_quick_start_installs_into_a_venv() -> None:
    first, second = quick_start_commands()
    steps = [s.strip() for s in first.split("&&")]
    assert steps[0] == "python3 -m venv .venv"
    assert steps[1].startswith(".venv/bin/pip install -e .")
    assert steps[-1].startswith(".venv/bin/badia run")
    assert not re.search(r"(^|&&)\s*(python3? -m )?pip install", first)  # nothing into the machine's Python
    assert second == "bash scripts/test.sh"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, second = quick_start_commands()
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    assert commands == [second]


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_git_ignores_the_virtual_environments() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    defaults = re.findall(r"\$\{BADIA_VENV(?:312)?:-([^}]+)\}", text)
    assert sorted(defaults) == [".venv", ".venv-py312"]
    for venv in defaults:
        proc = subprocess.run(["git", "check-ignore", "-q", f"{venv}/bin/python"], cwd=ROOT)
        assert proc.returncode == 0, f"{venv} is not ignored by git"


def test_the_script_installs_only_into_its_venvs() -> None:
    for line in SCRIPT.read_text(encoding="utf-8").splitlines():
        code = line.split("#", 1)[0]
        if "pip install" in code:
            assert '"$venv/bin/python" -m pip install' in code, line
        assert not re.search(r"(^|\s)python3? -m (pip|pytest|ruff)", code), line  # the machine's Python


def bash(code: str, path_dirs: list[Path] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Source scripts/test.sh (its functions, not its main) and run `code`, with PATH limited to `path_dirs`
    plus the stand-ins' directory when given."""
    env = dict(os.environ)
    if path_dirs is not None:
        env["PATH"] = os.pathsep.join(str(d) for d in path_dirs)
    return subprocess.run([BASH, "-c", f'source "{SCRIPT}"; set +e; {code}'], capture_output=True, text=True,
                          env=env, cwd=cwd)


def stand_ins(tmp_path: Path, **programs: str) -> Path:
    """A directory of executable shell scripts named after `programs` (their bodies)."""
    d = tmp_path / "bin"
    d.mkdir(exist_ok=True)
    for name, body in programs.items():
        p = d / name
        p.write_text(f"#!{BASH}\n{body}\n", encoding="utf-8")
        p.chmod(0o755)
    return d


def test_browser_tests_are_left_out_whatever_the_caller_selects() -> None:
    proc = bash('browserless_args -m "not slow" -x -k corridor')
    assert proc.stdout.splitlines() == ["--ignore-glob=*_browser.py", "-m", "(not slow) and not browser", "-x",
                                        "-k", "corridor"]
    proc = bash("browserless_args -n 0")
    assert proc.stdout.splitlines() == ["--ignore-glob=*_browser.py", "-n", "0", "-m", "not browser"]


def test_without_root_or_sudo_chromium_is_skipped_with_a_message(tmp_path: Path) -> None:
    bin_dir = stand_ins(tmp_path, id="echo 1000")  # not root; no chromium, no sudo on PATH
    proc = bash('ensure_chromium; echo "returned $?"', [bin_dir])
    assert proc.stdout.strip().endswith("returned 1")
    assert "needs root" in proc.stderr and "browser tests are left out" in proc.stderr


def test_root_is_asked_for_after_saying_why(tmp_path: Path) -> None:
    log = tmp_path / "sudo.log"
    # a sudo that lets apt-get update through and fails the install
    bin_dir = stand_ins(tmp_path, id="echo 1000", sudo=f'echo "sudo $*"; echo "sudo $*" >> "{log}"; [ "$2" = update ]')
    proc = bash('ensure_chromium; echo "returned $?"', [bin_dir])
    out = proc.stdout
    assert "needs root" in out and "sudo apt-get update" in out
    assert out.index("needs root") < out.index("sudo apt-get")  # said before sudo asks for a password
    assert proc.stdout.strip().endswith("returned 1") and "browser tests are left out" in proc.stderr
    # apt runs with its own progress output: not silenced
    assert log.read_text().splitlines() == ["sudo apt-get update", "sudo apt-get install -y chromium"]


def test_a_python_without_the_venv_module_is_named(tmp_path: Path) -> None:
    bin_dir = stand_ins(tmp_path, nopython='echo "ensurepip is not available" >&2; exit 1')
    venv = tmp_path / "venv"
    proc = bash(f'(ensure_venv "{bin_dir}/nopython" "{venv}"); echo "exit $?"',
                [bin_dir, Path("/usr/bin"), Path("/bin")])
    assert proc.stdout.strip().endswith("exit 2")
    assert "apt-get install python3-venv" in proc.stderr and not venv.exists()


def test_solara_assets_unpack_on_a_python_without_tarfile_filters(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Debian 12's python3 (3.11.2) has no tarfile "data" filter: scripts/solara_assets.py checks members itself.
    import importlib.util
    import io
    import tarfile

    spec = importlib.util.spec_from_file_location("solara_assets", ROOT / "scripts" / "solara_assets.py")
    assert spec is not None and spec.loader is not None
    assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(assets)
    monkeypatch.delattr(tarfile, "data_filter", raising=False)

    def tarball(*members: tuple[str, bytes | None]) -> tarfile.TarFile:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for name, data in members:
                info = tarfile.TarInfo(name)
                if data is None:
                    info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                    tar.addfile(info)
                else:
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
        buf.seek(0)
        return tarfile.open(fileobj=buf, mode="r:gz")

    with tarball(("package/package.json", b"{}"), ("package/dist/a.js", b"x"), ("package/link", None)) as tar:
        assets.extract(tar, tmp_path / "ok")
    assert sorted(p.relative_to(tmp_path / "ok").as_posix() for p in (tmp_path / "ok").rglob("*")) == [
        "package", "package/dist", "package/dist/a.js", "package/package.json"]  # the link left out
    with tarball(("../evil", b"x")) as tar, pytest.raises(ValueError, match="outside"):
        assets.extract(tar, tmp_path / "bad")
    assert not (tmp_path / "evil").exists()


def test_the_readme_layout_lists_every_docs_page() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1]
    missing = [p.name for p in sorted((ROOT / "docs").glob("*.md")) if p.name not in layout]
    assert not missing, f"docs pages the README's layout section does not list: {missing}"
