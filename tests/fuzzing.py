"""Fuzzing Badia's inputs: mutated scenario, experiment, lesson and claims files, `--set` overrides and random
command lines, each given to the CLI in-process (`sim.cli.main`).

A case passes when the command exits 0, or exits 2 with a message of one paragraph and no traceback, within a
time bound. Anything else is a finding: a traceback (an exception escaping `main`, or "Traceback" printed), a
hang (the time bound passed), or a wrong exit code. Commands that would start real work beyond one short run
(batches, calibration, hindcasts, serving the dashboard) are stopped where that work would begin and count as
accepted: their input was checked and taken.

Used by tests/test_fuzz.py (hypothesis draws the cases, a few hundred in the suite) and by
experiments/fuzz/run.py (10,000 or more, counted in docs/reliability.md). Every case is drawn from a
`random.Random`, so a seed reproduces it.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import os
import random
import signal
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SMALL_SCENARIOS = sorted([SCENARIOS / "corridor.toml", SCENARIOS / "oilfield_three_way.toml",
                          *SCENARIOS.glob("lessons/*/baseline.toml")])
ALL_SCENARIOS = [*SMALL_SCENARIOS, SCENARIOS / "badia_2017.toml"]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))
LESSONS = sorted(SCENARIOS.glob("lessons/*/lesson.toml"))
CORRIDOR_CLAIMS = """date,faction,measure,value,low,high,place,source,quote
2020-01-02,west,gained_km2,500,400,700,,"Westland radio (2 Jan)","we took 500"
2020-01-03,east,held_pct,40,35,45,,"Eastland TV (3 Jan)","we hold 40 percent"
2020-01-03,west,captured,,2020-01-02,2020-01-04,Ridge village,"Westland radio (3 Jan)","Ridge village is ours"
"""

KINDS = ("scenario", "override", "experiment", "lesson", "claims", "flags")

JUNK: list[Any] = [math.inf, -math.inf, math.nan, 0, -1, 1, 2, 0.5, -0.0, 1e308, -1e308, 1e-308, 2**63, -(2**63),
                   10**30, "", " ", "x" * 3000, "é中文", "null", "true", "1e309", "../../etc/passwd", "/proc/self/mem",
                   "/etc/passwd", "/", ".", True, False, [], {}, [1, 2], [[1, 2]], {"a": 1}, ["a", "b"],
                   [36.5, 33.2], [33.2, 36.5], [200.0, 100.0], date(2017, 5, 7), datetime(1900, 1, 1),
                   date(9999, 12, 31), "2017-13-45", "attack", "defend", "hold", "town", "government", "west"]
TEXT_JUNK = ["", "-1", "0", "1", "2", "1.5", "1e309", "inf", "-inf", "nan", "x" * 300, "é", "/proc/x", "/sys/x",
             "/etc/passwd", "/", ".", "..", "-", "--", "a=b", "[1,2]", "{}", "true", "2017-05-27", "2017-02-30",
             "tcp://127.0.0.1:1", "tcp://", "not_an_address", "bad host", "127.0.0.1", "::1", "0.0.0.0", "65536",
             "99999", "corridor", "badia_2017", "nope", "corridor_sweep", "badia_calibration", "a" * 5000]
# Command lines may write where they point: no absolute path a write could damage (the fuzzer may run as root).
# "passwd" is a copy of a passwd-like file in the case's directory.
FLAG_JUNK = [v for v in TEXT_JUNK if v not in ("/etc/passwd", "/")] + ["passwd"]


@dataclass
class Outcome:
    """What one case did: `kind` is ok, refused, traceback, hang or wrong-exit."""

    kind: str
    code: int | None
    seconds: float
    detail: str = ""


@dataclass
class Case:
    """One input and the command line that gives it to Badia; `files` are written into the case's directory."""

    kind: str
    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    note: str = ""

    def describe(self) -> str:
        return f"{self.kind}: badia {' '.join(a if len(a) < 80 else a[:77] + '...' for a in self.argv)} {self.note}"


# ---------------------------------------------------------------- mutations


def _paths(doc: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every key path of a parsed TOML document (tables, arrays and leaves)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


def _parent(doc: Any, path: tuple) -> Any:
    for k in path[:-1]:
        doc = doc[k]
    return doc


def _typo(word: str, rnd: random.Random) -> str:
    if len(word) < 2:
        return word + "x"
    i = rnd.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def mutate_doc(doc: dict[str, Any], rnd: random.Random) -> str:
    """Change one or a few things in a parsed TOML document, in place; returns what was done."""
    done = []
    for _ in range(rnd.choice((1, 1, 1, 2, 3))):
        paths = list(_paths(doc))
        if not paths:
            break
        path = rnd.choice(paths)
        parent, key = _parent(doc, path), path[-1]
        op = rnd.choice(("junk", "junk", "junk", "delete", "unknown", "typo", "duplicate", "swap"))
        if op == "junk":  # a copy: a shared list or table from JUNK, changed later, would change JUNK itself
            parent[key] = copy.deepcopy(rnd.choice(JUNK))
        elif op == "delete":
            del parent[key]
        elif op == "unknown" and isinstance(parent, dict):
            parent[rnd.choice(("zzz", "strenght", "kind2", "x" * 40))] = copy.deepcopy(rnd.choice(JUNK))
        elif op == "typo" and isinstance(parent, dict) and isinstance(key, str):
            parent[_typo(key, rnd)] = parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        elif op == "swap" and isinstance(parent[key], list) and len(parent[key]) >= 2:
            parent[key] = list(reversed(parent[key]))
        done.append(f"{op} {'.'.join(map(str, path))}")
    return "; ".join(done)


def mutate_text(data: bytes, rnd: random.Random) -> tuple[bytes, str]:
    """Damage a file's bytes: truncate it, drop or repeat a line, or insert bytes (binary ones included)."""
    op = rnd.choice(("truncate", "drop-line", "repeat-line", "insert", "binary", "replace"))
    lines = data.split(b"\n")
    if op == "truncate":
        data = data[:rnd.randrange(len(data) + 1)]
    elif op == "drop-line" and lines:
        del lines[rnd.randrange(len(lines))]
        data = b"\n".join(lines)
    elif op == "repeat-line" and lines:
        i = rnd.randrange(len(lines))
        lines.insert(i, lines[i])
        data = b"\n".join(lines)
    elif op == "insert":
        i = rnd.randrange(len(data) + 1)
        data = data[:i] + rnd.choice((b"=", b"[", b"]", b'"', b",", b"\n", b"[[x]]\n", b"\xff\xfe")) + data[i:]
    elif op == "binary":
        data = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 400)))
    elif op == "replace" and data:
        i = rnd.randrange(len(data))
        data = data[:i] + bytes([rnd.randrange(256)]) + data[i + 1:]
    return data, op


def _toml(doc: dict[str, Any]) -> bytes | None:
    try:
        return tomli_w.dumps(doc).encode("utf-8")
    except (TypeError, ValueError):  # a value TOML cannot hold (tomli_w refuses it): not a file a user can write
        return None


def _mutated_file(path: Path, rnd: random.Random) -> tuple[bytes, str]:
    raw = path.read_bytes()
    if rnd.random() < 0.2:
        return mutate_text(raw, rnd)
    doc = tomllib.loads(raw.decode("utf-8"))
    note = mutate_doc(doc, rnd)
    text = _toml(doc)
    return (text, note) if text is not None else mutate_text(raw, rnd)


# ---------------------------------------------------------------- cases


def scenario_case(rnd: random.Random) -> Case:
    """A mutated scenario file, validated (any base) or run for a day or two (the small ones)."""
    base = rnd.choice(ALL_SCENARIOS)
    data, note = _mutated_file(base, rnd)
    name = "case.toml"
    if base in SMALL_SCENARIOS and rnd.random() < 0.35:
        argv = ["run", name, "--days", str(rnd.choice((1, 2))), "--quiet", "--out", "out"]
    else:
        argv = ["validate", name]
    return Case("scenario", argv, {name: data}, f"[{base.relative_to(ROOT)}: {note}]")


def _leaf_keys(doc: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _leaf_keys(v, f"{prefix}{k}.")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _leaf_keys(v, f"{prefix}{i}.")
    else:
        yield prefix[:-1]


def override_case(rnd: random.Random) -> Case:
    """`badia run` with one to three `--set KEY=VALUE`, keys from the scenario (some misspelt), values junk."""
    base = rnd.choice(SMALL_SCENARIOS)
    keys = list(_leaf_keys(tomllib.loads(base.read_text(encoding="utf-8"))))
    argv = ["run", str(base), "--days", "1", "--quiet", "--out", "out"]
    for _ in range(rnd.randint(1, 3)):
        key = rnd.choice(keys)
        if rnd.random() < 0.15:
            key = _typo(key, rnd)
        value = rnd.choice(FLAG_JUNK + [str(rnd.choice(JUNK))])
        argv += ["--set", f"{key}={value}" if rnd.random() < 0.95 else key]
    return Case("override", argv)


def experiment_case(rnd: random.Random) -> Case:
    base = rnd.choice(EXPERIMENTS)
    data, note = _mutated_file(base, rnd)
    return Case("experiment", ["validate", "exp.toml"], {"exp.toml": data}, f"[{base.name}: {note}]")


def lesson_case(rnd: random.Random) -> Case:
    base = rnd.choice(LESSONS)
    data, note = _mutated_file(base, rnd)
    files = {"lesson/lesson.toml": data, "lesson/lesson.md": (base.parent / "lesson.md").read_bytes()}
    for f in base.parent.glob("*.toml"):
        if f.name != "lesson.toml":
            files[f"lesson/{f.name}"] = f.read_bytes()
    return Case("lesson", ["validate", "lesson/lesson.toml"], files, f"[{base.parent.name}: {note}]")


def _mutate_csv(text: str, rnd: random.Random) -> tuple[bytes, str]:
    if rnd.random() < 0.25:
        return mutate_text(text.encode("utf-8"), rnd)
    lines = text.strip("\n").split("\n")
    i = rnd.randrange(len(lines))
    cells = lines[i].split(",")
    j = rnd.randrange(len(cells))
    op = rnd.choice(("cell", "cell", "cell", "drop-cell", "extra-cell"))
    if op == "cell":
        cells[j] = str(rnd.choice(FLAG_JUNK + [str(rnd.choice(JUNK))]))
    elif op == "drop-cell":
        del cells[j]
    else:
        cells.insert(j, "x")
    lines[i] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode("utf-8"), f"{op} line {i} column {j}"


def claims_case(rnd: random.Random, run_dirs: dict[str, Path]) -> Case:
    """A mutated claims file, compared with a saved run (`badia compare`) or named by a scenario."""
    which = rnd.choice(sorted(run_dirs))
    base = CORRIDOR_CLAIMS if which == "corridor" else (SCENARIOS / "reports" / "badia_may_2017.csv").read_text(
        encoding="utf-8")
    data, note = _mutate_csv(base, rnd)
    if rnd.random() < 0.7:
        return Case("claims", ["compare", str(run_dirs[which]), "claims.csv"], {"claims.csv": data}, f"[{note}]")
    doc = tomllib.loads((SCENARIOS / "corridor.toml").read_text(encoding="utf-8"))
    doc.setdefault("scenario", {})["claims"] = "claims.csv"
    return Case("claims", ["validate", "case.toml"], {"case.toml": _toml(doc) or b"", "claims.csv": data},
                f"[via scenario.claims: {note}]")


def flags_case(rnd: random.Random, run_dirs: dict[str, Path], parser: Any) -> Case:
    """A random command line: a command, some of its flags and positionals, valid or junk values."""
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    command = rnd.choice(sorted(sub.choices))
    argv = [command]
    paths = [str(p) for p in run_dirs.values()] + ["claims.csv", "bin.dat", "somedir", "missing", "/proc/x"]
    for action in sub.choices[command]._actions:
        if action.option_strings and rnd.random() < 0.5 and "-h" not in action.option_strings:
            argv.append(rnd.choice(action.option_strings))
            if action.nargs != 0:
                argv.append(rnd.choice(FLAG_JUNK + paths + ["1", "2", "out", "new-out"]))
        elif not action.option_strings and rnd.random() < 0.9:
            argv.append(rnd.choice(FLAG_JUNK + paths + [str(p) for p in ALL_SCENARIOS[:2]]
                                   + [str(EXPERIMENTS[0])]))
    if command == "run" and "--days" not in argv:  # a valid run of the default scenario takes a while: keep it short
        argv += ["--days", "1"]
    if rnd.random() < 0.1:
        argv.insert(rnd.randrange(len(argv) + 1), rnd.choice(("--nope", "-x", "--days=", "--seed", "--")))
    files = {"claims.csv": CORRIDOR_CLAIMS.encode(), "bin.dat": bytes(range(256)), "somedir/.keep": b"",
             "passwd": b"root:x:0:0:root:/root:/bin/bash\n"}
    return Case("flags", argv, files)


def draw_case(rnd: random.Random, kind: str, run_dirs: dict[str, Path], parser: Any) -> Case:
    """One case of `kind` (see KINDS), drawn from `rnd`."""
    if kind == "claims":
        return claims_case(rnd, run_dirs)
    if kind == "flags":
        return flags_case(rnd, run_dirs, parser)
    return {"scenario": scenario_case, "override": override_case, "experiment": experiment_case,
            "lesson": lesson_case}[kind](rnd)


# ---------------------------------------------------------------- running


class _Hang(BaseException):
    """The case ran past its time bound (a BaseException, so that no `except Exception` in Badia catches it)."""


class _WouldRun(BaseException):
    """A command got past its checks to where a batch, a calibration or a server would start."""


@contextlib.contextmanager
def _stop_heavy_work() -> Iterator[None]:
    """Batches, calibrations, hindcasts and the dashboard's server stop where their real work would begin."""
    import sim.batch.abc
    import sim.batch.execute
    import sim.batch.hindcast
    import sim.dashboard.app

    def stop(*_args: Any, **_kwargs: Any) -> Any:
        raise _WouldRun

    saved = [(sim.batch.execute, "run_batch"), (sim.batch.abc, "calibrate"), (sim.batch.hindcast, "hindcast"),
             (sim.dashboard.app, "create_app")]
    originals = [(m, n, getattr(m, n)) for m, n in saved]
    for m, n in saved:
        setattr(m, n, stop)
    try:
        yield
    finally:
        for m, n, f in originals:
            setattr(m, n, f)


def _alarm(_signum: int, _frame: Any) -> None:
    raise _Hang


def run_case(case: Case, workdir: Path, timeout: float = 60.0) -> Outcome:
    """Write the case's files into `workdir` (its current directory), run `badia ARGV` in-process, judge it."""
    import time

    from sim.cli import main

    for name, data in case.files.items():
        p = workdir / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    old_cwd, old_handler = os.getcwd(), signal.signal(signal.SIGALRM, _alarm)
    start = time.perf_counter()
    code: int | None = None
    try:
        os.chdir(workdir)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        with _stop_heavy_work(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(case.argv)
            except SystemExit as exc:  # argparse's own errors and --help
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except _Hang:
        return Outcome("hang", None, time.perf_counter() - start, f"no answer within {timeout:g} s")
    except _WouldRun:
        return Outcome("ok", 0, time.perf_counter() - start, "accepted (stopped where the work begins)")
    except Exception as exc:  # noqa: BLE001 - what the fuzzer looks for
        import traceback

        return Outcome("traceback", None, time.perf_counter() - start,
                       "".join(traceback.format_exception(exc)[-3:]).strip())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        os.chdir(old_cwd)
    return judge(code, err.getvalue(), time.perf_counter() - start)


def judge(code: int | None, stderr: str, seconds: float) -> Outcome:
    """ok (exit 0), refused (exit 2, a one-paragraph message), or a finding."""
    if "Traceback (most recent call last)" in stderr:
        return Outcome("traceback", code, seconds, stderr[-600:])
    if code == 0:
        return Outcome("ok", 0, seconds)
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    if code == 2 and lines:
        # our paragraph ("error: ..."), or argparse's usage lines followed by its one "PROG: error: ..." line
        errors = [ln for ln in lines if "error:" in ln]
        if len(errors) == 1 and (lines[-1] == errors[0]):
            return Outcome("refused", 2, seconds)
    return Outcome("wrong-exit", code, seconds, stderr[-600:])


def make_run_dirs(root: Path) -> dict[str, Path]:
    """Saved runs to compare claims with: corridor (2 days) and the Badia (2 days)."""
    from sim.cli import main

    dirs = {"corridor": root / "corridor-run", "badia": root / "badia-run"}
    for name, d in dirs.items():
        if not (d / "manifest.json").is_file():
            scenario = "corridor" if name == "corridor" else "badia_2017"
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["run", scenario, "--days", "2", "--quiet", "--out", str(d)]) == 0
    return dirs


def case_runner(root: Path) -> Callable[[Case, float], Outcome]:
    """A function running cases one after another, each in a fresh directory under `root`."""
    import shutil
    import tempfile

    def run(case: Case, timeout: float = 60.0) -> Outcome:
        d = Path(tempfile.mkdtemp(dir=root))
        try:
            return run_case(case, d, timeout)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    return run
