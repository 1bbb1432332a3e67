"""Dashboard pieces without a browser: path confinement, form fields, figures, batch and run-dir reading,
exports and the CLI subcommands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
from test_dashboard_fixtures import (
    BATCH_DAYS,
    BATCH_PARAM,
    BATCH_VALUES,
    make_runs_dir,
)

import sim
from sim.batch import plots, summary
from sim.dashboard import batchdata, commands, exports, fields, figures, safety
from sim.dashboard.jobs import Jobs, ResultCache
from sim.dashboard.panels import HIDDEN, SHOWN, Shown
from sim.dashboard.runner import RunSpec, open_saved, run_spec
from sim.dashboard.view_batch import run_spec_of
from sim.errors import DashboardPathError, ScenarioError, UsageError


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_runs_dir(tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def corridor() -> Shown:
    return run_spec(RunSpec(safety.shipped_scenario("corridor"), {}, 1, 6))


def test_paths_outside_the_runs_directory_are_refused(runs: Path, tmp_path: Path) -> None:
    root = safety.RunsRoot(runs)
    assert root.resolve("sweep") == (runs / "sweep").resolve()
    (runs / "escape").symlink_to(tmp_path, target_is_directory=True)
    for bad in ("../", "/etc", "sweep/../..", "escape", "", None, "missing"):
        with pytest.raises(DashboardPathError):
            root.resolve(bad)
    assert root.batch_dirs() == ["sweep"]
    assert root.run_dirs() == ["saved-corridor"]


def test_only_shipped_scenarios_are_opened(tmp_path: Path) -> None:
    assert safety.shipped_scenario("corridor").name == "corridor.toml"
    outside = tmp_path / "x.toml"
    outside.write_text("")
    for bad in ("../../etc/passwd", str(outside), "nope"):
        with pytest.raises(DashboardPathError):
            safety.shipped_scenario(bad)
    with pytest.raises(DashboardPathError):
        safety.allowed_scenario_path(outside)
    with pytest.raises(DashboardPathError):
        safety.allowed_scenario_path("/etc/passwd")


@pytest.mark.parametrize(("func", "text", "error", "match"), [
    (fields.seed_field, "abc", UsageError, "expected a whole number"),
    (fields.seed_field, "-1", UsageError, ">= 0|between"),
    (fields.days_field, "0", UsageError, "between 1"), (fields.days_field, "1.5", UsageError, "whole number"),
    (fields.overrides_text, "combat.range_km", ScenarioError, "key=value"),
    (fields.overrides_text, "units.nope.strength=1", ScenarioError, "existing element")])
def test_bad_field_values_raise_errors_by_kind(func, text: str, error: type, match: str) -> None:  # noqa: ANN001
    # seed and days are the form's --seed and --days (UsageError); overrides are scenario input (ScenarioError)
    with pytest.raises(error, match=match):
        if func is fields.overrides_text:
            sim.load("corridor", func(text))
        else:
            func(text)


def test_field_values_parse() -> None:
    assert fields.seed_field(" 12 ") == 12 and fields.seed_field("") is None and fields.days_field("7") == 7
    assert fields.overrides_text("# note\ncombat.stochastic=false\n\ncontrol.zoc_km=5") == {
        "combat.stochastic": False, "control.zoc_km": 5}


def test_named_parameters_become_overrides_only_when_changed() -> None:
    params = fields.named_parameters(sim.load("corridor"))
    keys = [p.key for p in params]
    defaults = [p.default for p in params]
    assert "factions.west.doctrine.aggression" in keys and "units.west_armour.strength" in keys
    assert fields.parameter_values(keys, defaults, list(defaults)) == {}
    values = list(defaults)
    values[keys.index("units.west_armour.strength")] = 900
    assert fields.parameter_values(keys, defaults, values) == {"units.west_armour.strength": 900}
    sim.load("corridor", fields.parameter_values(keys, defaults, values))  # applies cleanly
    values[0] = "lots"
    with pytest.raises(ScenarioError, match="factions.west.doctrine.aggression"):
        fields.parameter_values(keys, defaults, values)


def test_parameters_carry_the_schema_bounds_and_descriptions() -> None:
    params = {p.key: p for p in fields.named_parameters(sim.load("badia_2017"))}
    aggression = params["factions.government.doctrine.aggression"]
    assert (aggression.lo, aggression.hi) == (0, 1) and aggression.slider
    assert aggression.description.startswith("Consider a unit with posture attack")
    zoc = params["control.zoc_km"]
    assert zoc.unit == "km" and zoc.hi == 1000 and not zoc.slider  # too wide a range for a slider
    # thirty units: a strength scale per faction instead of thirty rows
    assert "factions.isis.doctrine.strength_scale" in params and not any(k.startswith("units.") for k in params)
    assert params["air_power.coalition_tanf.sorties_per_day"].unit == "sorties per day"


def test_map_figure_shows_one_day_with_hover_layers(corridor: Shown) -> None:
    run = corridor.run
    fig = figures.map_figure(run, 3, corridor.title)
    heat = fig.data[0]
    z = np.asarray(heat.z)
    assert z.shape == run.owner.shape[1:]
    assert not fig.frames  # one day only, not an animation of every day
    assert fig.layout.title.text == f"{corridor.title}: control on {run.dates[3]}"
    owner = np.asarray(heat.customdata, dtype=object)
    west = run.factions.index("west")
    assert (owner == "Westland").sum() == (run.owner[3] == west).sum() == (z == west + 1).sum() > 0  # names, not ids
    assert (owner[~run.region] == "").all()
    text = np.asarray(heat.text, dtype=object)
    assert text[0, 0].startswith("terrain: desert") and "nearest place: " in text[0, 0]
    names = [t.name for t in fig.data]
    assert "places" in names and "highway" in names
    front = fig.data[1]
    assert front.name == "front line" and len(front.x) == int(run.front_cells(3).sum()) > 0
    units, taken = fig.data[figures.UNITS_TRACE], fig.data[figures.CAPTURES_TRACE]
    assert units.name.startswith("units") and taken.name.startswith("places taken")  # where the day patch writes
    day3 = run.units[run.units["day"] == 3]
    assert sorted(units.text) == sorted(day3["name"]) and len(units.x) == len(day3) > 0
    assert units.marker.opacity < 1  # the ground under a marker shows through
    assert len(taken.x) == len({e for e in run.events.loc[run.events["kind"] == "captured", "place"]}) > 0
    tracks = [t for t in fig.data if t.legendgroup == "tracks"]
    assert tracks and all(t.visible == "legendonly" for t in tracks)  # the whole run's paths: from the legend only
    patch = figures.day_patch(run, 0, corridor.title).to_plotly_json()
    # z, owner names, the day's front line, units, places taken and title: nothing static is resent
    values = {tuple(op["location"]): op["params"]["value"] for op in patch["operations"]}
    assert {loc[:2] for loc in values} == {("data", 0), ("data", 1), ("data", 2), ("data", 3), ("layout", "title")}
    assert np.array_equal(np.asarray(values[("data", 0, "z")]), run.owner[0] + 1)
    assert values[("layout", "title", "text")].endswith(run.dates[0])
    day0 = run.units[run.units["day"] == 0]
    assert np.allclose(values[("data", 2, "x")], day0["x"]) and len(values[("data", 3, "x")]) == 0


def test_map_opens_on_the_theatre_with_one_legend_below(corridor: Shown) -> None:
    flagship = run_spec(RunSpec(safety.shipped_scenario("badia_2017"), {}, None, 2)).run
    fig = figures.map_figure(flagship, 2, "flagship")
    x0, x1 = fig.layout.xaxis.range
    y0, y1 = fig.layout.yaxis.range
    gx0, gx1, gy0, gy1 = figures.grid_box(flagship)
    assert (x1 - x0) * (y1 - y0) < 0.75 * (gx1 - gx0) * (gy1 - gy0)  # not the whole bounding box
    for u in flagship.scenario.units:  # every unit's start is on the map
        x, y = flagship.grid.projection.forward(u.lon, u.lat)
        assert x0 <= x <= x1 and y0 <= y <= y1, u.name
    assert fig.data[0].showscale is False and fig.layout.legend.orientation == "h" and fig.layout.legend.y < 0
    legend = [t.name for t in fig.data if t.type == "scatter" and t.x is not None and len(t.x) == 1 and t.x[0] is None]
    assert "Syrian government and allies" in legend and "Islamic State" in legend
    places = next(t for t in fig.data if t.name == "places")
    shown = [t for t in places.text if t]
    assert "Palmyra" in shown and "Damascus" in shown and len(shown) < len(places.text)  # thinned, not all
    assert all(c[0] for c in places.customdata)  # every name stays in the hover
    # Iraq's outline, cut to a box in the data, loses the box's straight edges (breaks where the cut ran)
    iraq = next(t for t in fig.data if t.name == "Iraq")
    raw = flagship.scenario.map.context[[n for n, _ in flagship.scenario.map.context].index("Iraq")][1]
    assert sum(v is None for v in iraq.x) > len(getattr(raw, "geoms", [raw]))


def test_frames_give_the_browser_every_day(corridor: Shown) -> None:
    import base64

    run = corridor.run
    days = figures.frame_days(run.days, run.owner[0].size)
    assert days == list(range(run.days + 1))
    frames = figures.map_frames(run, corridor.title, days)
    h, w = frames["shape"]
    grid = np.frombuffer(base64.b64decode(frames["z"][2]), dtype=np.uint8).reshape(h, w)
    assert np.array_equal(grid, run.owner[2] + 1) and frames["titles"][2].endswith(run.dates[2])
    assert frames["labels"][run.factions.index("west") + 1] == "Westland"
    assert len(frames["marks"][2][0]) == int(run.front_cells(2).sum())
    assert len(figures.frame_days(3000, 100_000, 3)) < 100  # a long run on a big grid: days spread, bytes bounded


def test_frames_give_the_browser_each_days_units_and_places_taken(corridor: Shown) -> None:
    from sim.viz import mapfig

    run = corridor.run
    days = list(range(run.days + 1))
    frames = figures.map_frames(run, corridor.title, days)
    u, c = frames["units"], frames["captures"]
    assert (u["trace"], c["trace"]) == (figures.UNITS_TRACE, figures.CAPTURES_TRACE)
    assert len(u["names"]) == run.units["name"].nunique()  # each unit named once, not once a day
    moved = False
    for i, d in enumerate(days):  # what the browser rebuilds is mapfig's trace of that day
        which, x, y, strength, size = u["days"][i]
        want = mapfig.units_update(run, d)
        assert [u["names"][k] for k in which] == want["text"]
        assert [[u["factions"][k], s] for k, s in zip(which, strength, strict=True)] == want["customdata"]
        assert np.allclose(x, want["x"], atol=0.01) and np.allclose(y, want["y"], atol=0.01)
        assert np.allclose(size, want["marker"]["size"], atol=0.05)
        assert [u["colours"][k] for k in which] == want["marker"]["color"]
        moved |= i > 0 and (x != u["days"][i - 1][1] or y != u["days"][i - 1][2])
        taken = mapfig.captures_update(run, d)
        assert [c["text"][k] for k in c["days"][i]] == taken["text"]
        assert [c["customdata"][k] for k in c["days"][i]] == taken["customdata"]
    assert moved and c["days"][0] == [] and c["days"][-1]


def test_difference_map_counts_cells_held_differently(corridor: Shown) -> None:
    run = corridor.run
    other = run_spec(RunSpec(safety.shipped_scenario("corridor"), {"roads.corridor_highway.class": "track"}, 1, 6)).run
    fig = figures.diff_figure(run, other, 6)
    expected = ((run.owner[6] != other.owner[6]) & run.region).sum() * 4.0
    assert fig.layout.meta["differ_km2"] == expected > 0
    z = np.asarray(fig.data[0].z)
    n = len(run.factions)
    differ = (run.owner[6] != other.owner[6]) & run.region
    assert ((z < n) == differ).all()  # strong colours exactly where they differ, pale elsewhere
    legend = [t.name for t in fig.data if t.type == "scatter" and t.x is not None and len(t.x) == 1 and t.x[0] is None]
    assert any("holds it in “B”, not in “A”" in name for name in legend) and "pale: the same in both" in legend
    same = figures.diff_figure(run, run, 6)
    assert same.layout.meta["differ_km2"] == 0


def test_saved_run_reads_back_like_the_run(runs: Path) -> None:
    shown = open_saved(runs / "saved-corridor")
    fresh = sim.run(sim.load("corridor"), seed=3, days=4)
    assert np.array_equal(shown.run.owner, fresh.control)
    assert shown.run.names["west"] == "Westland" and shown.run.scenario is not None and len(shown.run.places) == 5
    assert "saved-corridor" in shown.title
    names = [t.name for t in figures.map_figure(shown.run, 2, shown.title).data]
    assert "highway" in names and "places" in names


def test_a_saved_run_of_another_scenario_is_drawn_without_opening_it(runs: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "elsewhere"
    shutil.copytree(runs / "saved-corridor", copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    outside = tmp_path / "corridor.toml"
    shutil.copyfile(manifest["scenario_path"], outside)
    manifest["scenario_path"] = str(outside)  # a scenario file outside the shipped ones: never opened
    (copy / "manifest.json").write_text(json.dumps(manifest))
    shown = open_saved(copy)
    assert shown.run.scenario is None and shown.claims is None and shown.run.names["west"] == "west"
    names = [t.name for t in figures.map_figure(shown.run, 2, shown.title).data]
    assert "places" in names and "highway" not in names


def test_batch_reading_bands_and_outcomes(runs: Path) -> None:
    b = batchdata.read_batch(runs / "sweep")
    assert len(b.runs) == 6 and b.params == [BATCH_PARAM] and b.days == BATCH_DAYS
    assert sorted(b.curves["run_id"].unique()) == list(range(6))
    out = b.outcomes("gained_km2")
    assert len(out) == 12 and set(out[BATCH_PARAM]) == set(BATCH_VALUES)
    bands = plots.bands_figure(summary.bands(b.curves, ("gained_km2",)), "gained_km2", b.claims, b.colours, b.names)
    medians = [t for t in bands.data if t.name == "Westland (median, 50% and 90% bands)"]
    assert len(medians) == 1 and len(medians[0].x) == BATCH_DAYS + 1


def test_a_batch_run_is_re_run_exactly(runs: Path) -> None:
    b = batchdata.read_batch(runs / "sweep")
    spec = run_spec_of(b, 4)
    assert spec.seed == 104 and spec.overrides == {BATCH_PARAM: BATCH_VALUES[2]}
    again = run_spec(spec).run.curves.sort_values(["day", "faction"])
    stored = b.curves[b.curves["run_id"] == 4].sort_values(["day", "faction"])
    assert len(again) == len(stored) == 2 * (BATCH_DAYS + 1)
    assert np.allclose(again["area_km2"].to_numpy(), stored["area_km2"].to_numpy())


def test_batch_with_a_foreign_scenario_is_not_re_run(runs: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "b"
    shutil.copytree(runs / "sweep", copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["scenario"], manifest["scenario_path"] = "x", "/etc/passwd.toml"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DashboardPathError):
        run_spec_of(batchdata.read_batch(copy), 0)


def test_jobs_report_progress_and_errors() -> None:
    jobs = Jobs(ResultCache(2))
    ok = jobs.start("ok", lambda progress: (progress(3, 3), "result")[1])
    bad = jobs.start("bad", lambda progress: (_ for _ in ()).throw(ScenarioError("x", "k", "y")))
    jobs.close(wait=True)
    assert jobs.status(ok)["status"] == "done" and jobs.cache.get(jobs.status(ok)["key"]) == "result"
    assert jobs.status(bad)["status"] == "error" and "expected y" in jobs.status(bad)["message"]


def test_csv_export_and_browser_for_png(corridor: Shown) -> None:
    # the PNG itself is exported through the page in test_dashboard_browser.py (kaleido takes seconds)
    assert exports.browser_path() is not None
    csv = exports.curves_csv(corridor.run.curves)
    assert csv.splitlines()[0] == ("date,day,faction,area_km2,gained_km2,locality_km2,locality_gained_km2,front_km,"
                                   "strength,units,places_held")


def test_dashboard_command_defaults_to_localhost() -> None:
    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["dashboard"])
    assert (args.host, args.port, args.runs) == ("127.0.0.1", 8050, "runs")
    with pytest.raises(SystemExit):
        parser.parse_args(["dashboard", "--port", "70000"])


def test_run_panel_tables_the_dated_captures() -> None:
    from sim.dashboard.panels import capture_rows

    data = run_spec(RunSpec(safety.shipped_scenario("badia_2017"), {}, 2017, 21))
    rows, title = capture_rows(data)
    by_place = {r["place"]: r for r in rows}
    assert by_place["al-Sabaa Biyar junction"]["simulated vs reported"] == "in range"
    assert by_place["al-Sawwanah"]["simulated vs reported"] == "1 day early"
    assert "Arak" not in by_place  # dated after the run and not taken: not shown
    assert title.startswith("Dated captures: ") and f"of {len(rows)} inside" in title
    none, _ = capture_rows(run_spec(RunSpec(safety.shipped_scenario("corridor"), {}, 1, 3)))
    assert none == []


class _OneJob:
    """A Jobs stand-in whose one job's state the test sets (live_figure reads only `status`)."""

    def __init__(self) -> None:
        self.state: dict = {"label": "corridor", "status": "running", "live": None}

    def status(self, job_id: str | None) -> dict | None:
        return dict(self.state) if job_id == "j" else None


def test_live_map_draws_once_then_patches_the_day_then_hides() -> None:
    """The live map of a running job: nothing before the first day, the whole figure once, then only the day's
    grid, front and title, nothing when the day has not moved, and hidden once the job is over."""
    from dash import Patch, no_update

    from sim.dashboard.view_run import live_figure
    from sim.model import ConflictModel
    from sim.viz.live import live_run

    jobs = _OneJob()
    assert live_figure(jobs, "j", None) == (no_update, no_update, no_update)
    assert live_figure(jobs, None, None) == (no_update, no_update, no_update)
    model = ConflictModel(sim.load("corridor"), seed=1, days=3)
    model.step()
    jobs.state["live"] = live_run(model)
    fig, style, tag = live_figure(jobs, "j", None)
    assert fig["data"][0]["type"] == "heatmap" and "(running)" in fig["layout"]["title"]["text"]
    assert style == SHOWN and tag.startswith("j:")
    assert live_figure(jobs, "j", tag) == (no_update, no_update, no_update)
    while live_run(model).dates[-1] == jobs.state["live"].dates[-1]:
        model.step()
    jobs.state["live"] = live_run(model)
    patch, style, tag2 = live_figure(jobs, "j", tag)
    assert isinstance(patch, Patch) and style == SHOWN and tag2 != tag
    jobs.state.update(status="done", live=None)
    assert live_figure(jobs, "j", tag2) == (no_update, HIDDEN, None)
    model.release()
