"""The command line end to end, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def badia(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def corridor_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "corridor"
    proc = badia("run", "corridor", "--seed", "3", "--days", "5", "--out", str(out),
                 "--set", "factions.west.doctrine.aggression=0.9")
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_run_writes_every_output(corridor_run):
    out, proc = corridor_run
    for name in ("curves.csv", "control.npz", "events.csv", "manifest.json", "report.html"):
        assert (out / name).is_file(), name
    assert not list(out.glob(".*.tmp"))  # no temporary leftovers


def test_curves_are_tidy_daily_rows(corridor_run):
    out, _ = corridor_run
    df = pd.read_csv(out / "curves.csv")
    assert {"date", "faction", "area_km2", "gained_km2"} <= set(df.columns)
    assert len(df) == 6 * 2  # days 0..5, two factions
    assert df.groupby("date")["gained_km2"].sum().abs().max() < 1e-6  # a two-sided map: gains mirror losses


def test_control_npz_can_be_drawn(corridor_run):
    out, _ = corridor_run
    npz = np.load(out / "control.npz")
    assert npz["owner"].shape[0] == 6 and npz["owner"].dtype == np.int8
    assert list(npz["faction_ids"]) == ["west", "east"]
    assert npz["owner"].shape[1:] == npz["region"].shape
    assert float(npz["cell_km"]) == 2.0 and len(npz["bbox"]) == 4


def test_manifest_records_how_the_run_was_made(corridor_run):
    out, _ = corridor_run
    m = json.loads((out / "manifest.json").read_text())
    assert m["seed"] == 3 and m["days"] == 5 and len(m["scenario_sha256"]) == 64
    assert m["overrides"] == {"factions.west.doctrine.aggression": 0.9}
    assert m["parameters"]["factions"][0]["doctrine"]["aggression"] == 0.9
    assert m["wall_seconds"] > 0 and m["package_version"]


def test_summary_table_and_events(corridor_run):
    out, proc = corridor_run
    assert "Westland" in proc.stdout and "gain" in proc.stdout
    events = pd.read_csv(out / "events.csv")
    assert {"time", "kind", "faction", "place"} <= set(events.columns)
    assert "captured" in set(events["kind"])


def test_report_is_self_contained(corridor_run):
    out, _ = corridor_run
    html = (out / "report.html").read_text()
    assert "<script" in html and "<script src=" not in html and "Plotly.newPlot" in html
    assert "Eastford" in html and "day: " in html  # places drawn, day slider


def test_scenarios_lists_shipped(tmp_path):
    proc = badia("scenarios", cwd=tmp_path)
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert {"corridor", "oilfield_three_way", "badia_2017"} <= set(names)


def test_validate_ok():
    proc = badia("validate", "scenarios/corridor.toml", "scenarios/oilfield_three_way.toml")
    assert proc.returncode == 0 and proc.stdout.count(": ok") == 2


def test_python_api_mirrors_cli():
    import sim

    sc = sim.load("corridor", overrides={"combat.stochastic": False})
    result = sim.run(sc, seed=1, days=3)
    assert isinstance(result.curves, pd.DataFrame) and len(result.curves) == 8
    assert result.control.shape[0] == 4


# --- bad input at the edges: checked before any work, answered in one paragraph with exit code 2 ----------------

BEFORE = Path(__file__).parent / "fixtures" / "run-written-before-the-run-dataset"  # corridor, 2020-01-01 to -15
CLAIMS_HEADER = "date,faction,measure,value,low,high,place,source,quote\n"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `badia ARGS` in-process: (exit code, stdout, stderr)."""
    from sim.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own flag errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_paragraph(err: str) -> bool:
    return "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a run starts: these checks must come before it."""
    import sim.api

    def ran(*args: object, **kwargs: object) -> None:
        raise AssertionError("the run started before its --out was checked")

    monkeypatch.setattr(sim.api, "run", ran)


@pytest.mark.parametrize(("out", "says"), [
    ("/proc/badia-x", "expected a writable directory"),
    ("/sys/badia-x", "expected a writable directory"),
    ("", "expected a directory path, found ''"),
    ("NONEMPTY", "expected a new or empty directory"),
    ("FILE", "A file with that name exists"),
])
def test_run_out_is_checked_before_the_run(out: str, says: str, tmp_path: Path, capsys, no_run) -> None:
    if out.startswith(("/proc", "/sys")) and not Path(out).parent.is_dir():
        pytest.skip("no /proc or /sys here")
    (tmp_path / "NONEMPTY").mkdir()
    (tmp_path / "NONEMPTY" / "notes.txt").write_text("keep me")
    (tmp_path / "FILE").write_text("keep me")
    out = str(tmp_path / out) if out.isupper() else out
    code, _, err = cli(capsys, "run", "corridor", "--days", "1000", "--quiet", "--out", out)
    assert code == 2 and one_paragraph(err) and err.startswith("error: --out: ") and says in err, err
    if out.endswith("NONEMPTY"):
        assert "--force" in err and (tmp_path / "NONEMPTY" / "notes.txt").read_text() == "keep me"


def test_run_force_writes_into_a_directory_that_holds_files(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, _, err = cli(capsys, "run", "corridor", "--days", "1", "--quiet", "--out", str(out), "--force")
    assert code == 0, err
    assert (out / "curves.csv").is_file() and (out / "notes.txt").read_text() == "keep me"
    assert not list(out.glob(".*"))  # no temporary or probe file left behind


def test_an_unwritable_out_leaves_nothing_behind(tmp_path: Path) -> None:
    from sim.errors import UsageError
    from sim.io.atomic import check_output_dir, write_text

    check_output_dir(tmp_path / "new" / "deeper")  # writable: fine, and not created by the check
    assert not (tmp_path / "new").exists()
    if Path("/proc").is_dir():
        with pytest.raises(UsageError, match="/proc/badia-x"):
            write_text(Path("/proc/badia-x/curves.csv"), "x")  # an OSError while writing names the path


def test_days_has_a_documented_bound(capsys) -> None:
    from sim.cli import MAX_DAYS, build_parser

    assert build_parser().parse_args(["run", "--days", str(MAX_DAYS)]).days == MAX_DAYS
    for cmd in (["run", "corridor"], ["hindcast", "badia_calibration", "--split", "2017-05-27"]):
        code, _, err = cli(capsys, *cmd, "--days", "100000")
        assert code == 2 and "argument --days: expected a whole number between 1 and 1000, found 100000" in err


@pytest.mark.parametrize(("flags", "says"), [
    (["--host", "bad host"], "error: --host: expected a host name or IP address"),
    (["--host", "x" * 300], "error: --host: expected a host name or IP address"),
    (["--host", "192.0.2.1"], "error: --host: expected an address this machine can serve on"),
])
def test_dashboard_host_is_checked_before_serving(flags: list[str], says: str, capsys) -> None:
    code, _, err = cli(capsys, "dashboard", *flags)
    assert code == 2 and one_paragraph(err) and says in err, err


def test_dashboard_port_in_use_is_named(capsys) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = cli(capsys, "dashboard", "--host", "127.0.0.1", "--port", str(port))
    assert code == 2 and one_paragraph(err) and err.startswith("error: --port: ") and str(port) in err, err


def test_scheduler_address_is_checked_when_parsed(capsys) -> None:
    code, _, err = cli(capsys, "batch", "corridor_sweep", "--scheduler", "not_an_address")
    assert code == 2 and "argument --scheduler: expected a Dask scheduler address" in err
    assert "'not_an_address'" in err and "Traceback" not in err


def _claims(tmp_path: Path, *rows: str, name: str = "claims.csv") -> Path:
    path = tmp_path / name
    path.write_text(CLAIMS_HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(("what", "says"), [
    ("binary", "expected a claims CSV file, found 'a binary file'"),
    ("directory", "expected a claims CSV file, found 'a directory'"),
    ("badia", "key 'faction': expected the factions of"),
    ("later", "Every claim is dated after the run's last day"),
    ("earlier", "found '2019-12-01'. The run cannot be set against claims dated before its first day"),
])
def test_compare_refuses_claims_that_do_not_fit(what: str, says: str, tmp_path: Path, capsys) -> None:
    path = {
        "binary": tmp_path / "binary.csv",
        "directory": tmp_path,
        "badia": Path(__file__).parents[1] / "scenarios" / "reports" / "badia_may_2017.csv",
        "later": _claims(tmp_path, "2020-03-01,west,held_km2,4000,3500,4500,,Radio West,q", name="later.csv"),
        "earlier": _claims(tmp_path, "2019-12-01,west,held_km2,4000,3500,4500,,Radio West,q",
                           "2020-01-08,west,held_km2,4000,3500,4500,,Radio West,q"),
    }[what]
    (tmp_path / "binary.csv").write_bytes(bytes(range(256)) * 4)
    code, out, err = cli(capsys, "compare", str(BEFORE), str(path))
    assert code == 2 and one_paragraph(err) and says in err and out == "", err
    if what == "badia":  # the claims of another scenario: the factions the run does not have are named
        assert "found ['government']" in err and "(west, east)" in err


def test_compare_counts_claims_after_the_run_when_some_are_inside(tmp_path: Path, capsys) -> None:
    path = _claims(tmp_path, "2020-01-08,west,held_km2,4000,3500,4500,,Radio West,q",
                   "2020-03-01,west,held_km2,4000,3500,4500,,Radio West,q")
    code, out, err = cli(capsys, "compare", str(BEFORE), str(path))
    assert code == 0, err
    assert "1 of 1 in range" in out and "1 more claim(s) are dated after 2020-01-15" in out


def test_an_oserror_at_the_edges_is_one_paragraph(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import sim.cli

    def unplugged(args: object) -> int:
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(sim.cli, "cmd_scenarios", unplugged)
    code, _, err = cli(capsys, "scenarios")
    assert code == 2 and err == "error: Connection reset by peer\n"


ROOT = Path(__file__).resolve().parent.parent


def test_validate_takes_experiment_and_lesson_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = cli(capsys, "validate", str(ROOT / "experiments" / "corridor_sweep.toml"),
                       str(ROOT / "scenarios" / "lessons" / "red_line" / "lesson.toml"))
    assert code == 0
    assert "ok — experiment corridor_sweep: scenario corridor, design factorial" in out
    assert "ok — lesson red_line:" in out
    bad = tmp_path / "exp.toml"
    bad.write_text((ROOT / "experiments" / "corridor_sweep.toml").read_text().replace("[design]", "[desing]"))
    code, _, err = cli(capsys, "validate", str(bad))
    assert code == 2 and one_paragraph(err) and "desing" in err and "Did you mean 'design'" in err


def test_version_and_plurals(capsys: pytest.CaptureFixture[str]) -> None:
    import re

    code, out, _ = cli(capsys, "--version")
    assert code == 0 and re.fullmatch(r"badia \S+ \(mesa 3\.\d+\.\d+, Python 3\.\d+\.\d+\)\n", out)
    from sim.cli import plural

    assert (plural(1, "faction"), plural(2, "faction"), plural(1200, "unit")) == ("1 faction", "2 factions",
                                                                                    "1,200 units")


def test_top_level_help_describes_every_command() -> None:
    from sim.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    described = {a.dest: a.help for a in sub._choices_actions}
    assert len(sub.choices) >= 10  # run, validate, ..., batch, ..., dashboard, lessons
    assert set(described) == set(sub.choices), f"commands without a help line: {set(sub.choices) - set(described)}"
    text = parser.format_help()
    for name, help_line in described.items():
        assert help_line and help_line.split()[0] in text, name


def test_sources_are_cut_at_a_word_boundary() -> None:
    from sim.cli import shorten

    source = "Enab Baladi citing Central Military Media (25 May 2017); SANA and Al-Masdar News"
    for width in range(12, len(source)):
        cut = shorten(source, width)
        assert len(cut) <= width and cut.endswith("…")
        assert source.startswith(cut[:-1]) and source[len(cut) - 1] in " ,;:(", (width, cut)  # a word ends there
    assert shorten(source, len(source)) == source


def test_places_that_changed_hands_are_listed_by_date(corridor_run) -> None:
    from sim.cli import summary_text
    from sim.io.rundir import read_run

    out, _ = corridor_run
    run = read_run(out)
    caught = run.events["kind"] == "captured"
    names = sorted(set(run.events.loc[caught, "place"]))
    assert len(names) >= 2
    # Give the places capture dates in the reverse of their names' order: the table must follow the dates.
    for i, name in enumerate(names):
        run.events.loc[caught & (run.events["place"] == name), "time"] = f"{run.dates[-1 - i]}T06:00"
    table = summary_text(run).split("changed hands:\n", 1)[1].splitlines()[2:]
    dates = [line.split()[-1] for line in table]
    assert dates == sorted(dates) and [next(n for n in names if line.startswith(n)) for line in table] == names[::-1]
