"""`badia map`: the starting situation drawn to HTML (and PNG with the dashboard extra), each faction's starting
km² printed as the model counts it at step 0, the scenario's warnings, and bad input refused with exit code 2."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main

HAS_PNG = os.path.exists("/usr/bin/chromium") and all(
    __import__("importlib").util.find_spec(m) is not None for m in ("kaleido", "dash"))


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own flag errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def no_png(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the dashboard extra (kaleido) were not installed."""
    import sim.extras
    from sim.errors import missing_extra

    real = sim.extras.require

    def require(extra: str, what: str) -> None:
        if extra == "dashboard":
            raise missing_extra("dashboard", what, ModuleNotFoundError("No module named 'kaleido'", name="kaleido"))
        real(extra, what)

    monkeypatch.setattr(sim.extras, "require", require)


def table_rows(out: str) -> dict[str, list[str]]:
    """The printed km² table: faction -> its cells (the rows between the dashed rule and the blank line)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if set(line.replace(" ", "")) == {"-"}) + 1
    rows = {}
    for line in lines[start:]:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = cells[1:]
    return rows


@pytest.mark.parametrize("name", ["corridor", "oilfield_three_way"])
def test_the_printed_km2_are_the_models_step_0_areas(name, tmp_path, capsys, monkeypatch):
    no_png(monkeypatch)
    code, out, err = cli(capsys, "map", name, "--out", str(tmp_path / "m"))
    assert code == 0, err
    rows = table_rows(out)
    model = sim.build_model(sim.load(name))
    areas = model.area_km2()
    assert list(rows)[:len(areas)] == list(model.factions.ids)
    for fid, area in zip(model.factions.ids, areas, strict=True):
        assert rows[fid][0] == f"{area:,.0f}"
        assert rows[fid][2] == str(sum(1 for u in model.unit_list() if model.factions.ids[u.faction] == fid))
    region = model.world.region_area_km2
    if region > areas.sum():
        assert rows["(nobody)"][0] == f"{region - areas.sum():,.0f}"
    assert f"region {region:,.0f} km²" in out


def test_without_kaleido_the_html_is_written_and_one_line_says_how_to_get_the_png(tmp_path, capsys, monkeypatch):
    no_png(monkeypatch)
    out_dir = tmp_path / "m"
    code, out, _ = cli(capsys, "map", "corridor", "--out", str(out_dir))
    assert code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["corridor-start.html"]
    page = (out_dir / "corridor-start.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in page and "supply reach: west" in page and "West armour" in page
    notes = [line for line in out.splitlines() if line.startswith("No PNG written")]
    assert len(notes) == 1 and "pip install 'badia[dashboard]'" in notes[0]


@pytest.mark.slow  # a kaleido render in chromium: ~10 s on a busy 2-core machine
@pytest.mark.skipif(not HAS_PNG, reason="needs the dashboard extra (kaleido) and chromium")
def test_the_png_is_written_with_the_dashboard_extra(tmp_path, capsys):
    out_dir = tmp_path / "m"
    code, out, _ = cli(capsys, "map", "corridor", "--out", str(out_dir), "--width", "600")
    assert code == 0 and "No PNG" not in out
    png = (out_dir / "corridor-start.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 600 and int.from_bytes(png[20:24], "big") == 540  # width, height
    assert "corridor-start.png" in out


def test_the_figure_draws_each_factions_supply_reach_its_units_and_sources():
    from sim.checks import supply_reach
    from sim.rundata import Run
    from sim.viz.preview import preview_spec

    model = sim.build_model(sim.load("oilfield_three_way"))
    reach = supply_reach(model)
    fig = preview_spec(Run.from_model(model), model, reach)
    contours = [t for t in fig["data"] if t["type"] == "contour"]
    with_sources = [f.id for f in model.spec.factions if f.supply_sources]
    assert [t["name"] for t in contours] == [f"supply reach: {fid}" for fid in with_sources]
    for t, fid in zip(contours, with_sources, strict=True):
        assert np.array_equal(t["z"].astype(bool), reach[model.factions.index[fid]])
    units = next(t for t in fig["data"] if t["name"].startswith("units"))
    assert len(units["x"]) == len(model.unit_list()) == len(model.spec.units)
    stars = next(t for t in fig["data"] if t["name"] == "supply sources")
    assert len(stars["x"]) == sum(len(f.supply_sources) for f in model.spec.factions)
    assert fig["data"][0]["type"] == "heatmap" and np.array_equal(fig["data"][0]["z"], model.owner + 1)


def test_the_supply_reach_is_the_models_network_at_the_start():
    from sim.checks import supply_reach

    model = sim.build_model(sim.load("corridor"))
    reach = supply_reach(model)
    for fi in range(len(model.factions)):
        assert np.array_equal(reach[fi], np.isfinite(model.supply_network(fi).cost_map()))
        # a faction's network runs only through ground it or its allies hold
        friendly = model.factions.friendly[fi][model.owner.astype(int)] & (model.owner >= 0)
        assert reach[fi].any() and not (reach[fi] & ~friendly).any()


def test_map_prints_the_scenarios_warnings(scenario_file, tmp_path, capsys, monkeypatch):
    no_png(monkeypatch)
    path = scenario_file('[[places]]\nname = "T"\nlon = 36.5\nlat = 33.2\nkind = "town"\n'
                         '[[factions]]\nid = "blue"\nholds = ["T"]\n'
                         '[[units]]\nname = "u"\nfaction = "blue"\nat = "T"\nstrength = 100\n')
    code, out, _ = cli(capsys, "map", str(path), "--out", str(tmp_path / "m"))
    assert code == 0
    assert f"warning: {path}: factions[0].supply_sources (blue): faction 'blue' has 1 unit" in out
    assert "No warnings" not in (tmp_path / "m" / "test-start.html").read_text(encoding="utf-8")


# --- bad input: exit code 2, one paragraph, nothing written --------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["map", "no_such_scenario"], ["no_such_scenario", "shipped scenario"]),
    (["map", "missing.toml"], ["missing.toml", "does not exist"]),
    (["map", "corridor", "--set", "control.zoc_km=-3"], ["control.zoc_km"]),
    (["map", "corridor", "--width", "10"], ["--width", "400"]),
])
def test_bad_input_exits_2_in_one_paragraph(args, words, tmp_path, capsys):
    code, out, err = cli(capsys, *args, "--out", str(tmp_path / "m"))
    assert code == 2 and "Traceback" not in err
    assert all(w in err for w in words), err
    assert not (tmp_path / "m").exists()


def test_a_bad_scenario_file_exits_2(scenario_file, tmp_path, capsys):
    path = scenario_file("[[places]\n")
    code, _, err = cli(capsys, "map", str(path), "--out", str(tmp_path / "m"))
    assert code == 2 and err.startswith(f"error: {path}") and err.count("\n") == 1


def test_out_is_checked_as_badia_run_checks_it(tmp_path, capsys):
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("x")
    code, _, err = cli(capsys, "map", "corridor", "--out", str(full))
    assert code == 2 and "--out" in err and "keep.txt" in err and "--force" in err
    assert sorted(p.name for p in full.iterdir()) == ["keep.txt"]
    a_file = tmp_path / "f"
    a_file.write_text("x")
    code, _, err = cli(capsys, "map", "corridor", "--out", str(a_file))
    assert code == 2 and "A file with that name exists" in err


def test_force_writes_beside_other_files(tmp_path, capsys, monkeypatch):
    no_png(monkeypatch)
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("x")
    code, _, _ = cli(capsys, "map", "corridor", "--out", str(full), "--force")
    assert code == 0 and sorted(p.name for p in full.iterdir()) == ["corridor-start.html", "keep.txt"]


@pytest.mark.slow  # a fresh interpreter importing sim
def test_map_in_a_real_process_exits_2_on_a_bad_scenario(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "sim", "map", "nope", "--out", str(tmp_path / "m")],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert proc.returncode == 2 and proc.stderr.startswith("error: nope") and "Traceback" not in proc.stderr


def test_a_unit_out_of_supply_is_ringed_in_red_as_its_warning_says(scenario_file):
    from sim.checks import scenario_warnings, supply_reach
    from sim.rundata import Run
    from sim.viz.preview import OUT_OF_SUPPLY, preview_spec

    path = scenario_file('[[places]]\nname = "W"\nlon = 36.1\nlat = 33.2\nkind = "town"\nholder = "blue"\n'
                         '[[places]]\nname = "E"\nlon = 36.9\nlat = 33.2\nkind = "town"\nholder = "red"\n'
                         '[[factions]]\nid = "blue"\nsupply_sources = ["W"]\n'
                         '[[factions]]\nid = "red"\nsupply_sources = ["E"]\n'
                         '[[units]]\nname = "home"\nfaction = "blue"\nat = "W"\nstrength = 100\n'
                         '[[units]]\nname = "far"\nfaction = "blue"\nat = [36.85, 33.25]\nstrength = 100\n')
    sc = sim.load(path)
    model = sim.build_model(sc)
    fig = preview_spec(Run.from_model(model), model, supply_reach(model))
    units = next(t for t in fig["data"] if t["name"].startswith("units"))
    assert units["marker"]["line"]["color"] == ["black", OUT_OF_SUPPLY]
    assert [w.key for w in scenario_warnings(sc, model)] == ["units[1].at (far)"]
