"""The run report (report.html): the figures in the page are the figures the go.Figure wrappers give (the
dashboard draws those), the map shows each day's owners and front line, claims of every measure land on the
right curve and panel at the right value, the claims and captures are tabled, and writing it imports no plotly
at all."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from html import unescape

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

import sim
from sim.io.claims import read_claims
from sim.viz import labels, mapfig, report

# --- comparing figures up to representation -----------------------------------------------------------------


def plain(obj):  # noqa: ANN001, ANN201
    """`obj` with every representation difference removed: base64 typed arrays decoded, numpy arrays and
    scalars as Python lists and numbers, tuples as lists. Values are compared exactly."""
    if isinstance(obj, dict):
        if set(obj) in ({"dtype", "bdata"}, {"dtype", "bdata", "shape"}):
            a = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if "shape" in obj:
                a = a.reshape([int(s) for s in obj["shape"].split(",")])
            return a.tolist()
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        return plain(obj.tolist())
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def page_figures(html: str) -> dict[str, dict]:
    """The figures drawn in a report page, by div id, as the JSON given to Plotly.newPlot and addFrames."""
    decoder = json.JSONDecoder()
    figs: dict[str, dict] = {}

    def args(at: int, count: int) -> list:
        out = []
        for _ in range(count):
            at = html.index(",", at) + 1
            value, at = decoder.raw_decode(html, at)
            out.append(value)
        return out

    for m in re.finditer(r'Plotly\.newPlot\(("[^"]+")', html):
        data, layout, config = args(m.end(), 3)
        figs[json.loads(m.group(1))] = {"data": data, "layout": layout, "config": config}
    for m in re.finditer(r'Plotly\.addFrames\(("[^"]+")', html):
        figs[json.loads(m.group(1))]["frames"] = args(m.end(), 1)[0]
    return figs


def assert_same(new: dict, old: dict) -> None:
    new, old = plain(new), plain(old)
    assert set(new) == set(old)
    for part in old:
        if part == "data":
            assert len(new["data"]) == len(old["data"])
            for i, (a, b) in enumerate(zip(new["data"], old["data"], strict=True)):
                assert a == b, f"trace {i} differs"
        else:
            assert new[part] == old[part], f"{part} differs"


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corridor() -> sim.Run:
    return sim.run(sim.load("corridor"), days=6)


@pytest.fixture(scope="module")
def badia() -> tuple[sim.Run, pd.DataFrame]:
    run = sim.run(sim.load("badia_2017"))
    return run, read_claims(run.meta.claims)


def corridor_claims() -> pd.DataFrame:
    """Claims of every measure, one with markup in its quote (it must not end the page's script)."""
    rows = [("2020-01-03", "west", "held_km2", 3000, 2500, 3500, "Radio West", "we hold the plain"),
            ("2020-01-05", "east", "gained_km2", -800, -1000, -500, "East Herald", "</script><b>lost</b> ground"),
            ("2020-01-06", "west", "held_pct", 40, 35, 45, "Monitor", "two fifths"),
            ("2020-01-06", "east", "locality_held_km2", 2000, 1500, 2500, "Mapper", "by villages")]
    return pd.DataFrame(rows, columns=["date", "faction", "measure", "value", "low", "high", "source", "quote"])


# --- tests -----------------------------------------------------------------------------------------------


def check_report(run: sim.Run, claims: pd.DataFrame | None) -> dict[str, dict]:
    html = report.report_html(run, claims)
    figs = page_figures(html)
    assert set(figs) == {"report-curves", "report-map"}
    assert figs["report-curves"]["config"] == figs["report-map"]["config"] == {"responsive": True}
    assert len(figs["report-map"]["frames"]) == min(run.days + 1, mapfig.MAX_FRAMES)
    # The go.Figure wrappers (the dashboard draws with them) draw the figures of the page, and plotly's
    # validation accepts every property the page gives (go.Figure raises on an unknown one).
    assert_same({k: v for k, v in figs["report-curves"].items() if k != "config"},
                report.curves_figure(run, claims).to_plotly_json())
    assert_same({k: v for k, v in figs["report-map"].items() if k != "config"},
                go.Figure(report.report_map_spec(run, claims)).to_plotly_json())
    # Self-contained: plotly.js inlined once, nothing loaded from elsewhere.
    assert html.count(report.plotly_js()) == 1 and "<script src=" not in html
    return figs


def test_corridor_report(corridor: sim.Run) -> None:
    figs = check_report(corridor, None)
    traces = figs["report-curves"]["data"]
    solid = [t for t in traces if t["line"].get("dash") is None]
    dashed = [t for t in traces if t["line"].get("dash") == "dash"]
    assert len(solid) == len(dashed) == 2 * len(corridor.factions)  # held and gained, counted both ways
    assert all(t["visible"] == "legendonly" for t in dashed)  # no locality claim: one click away
    west = next(t for t in solid if t["name"] == "Westland" and t["yaxis"] == "y")
    assert plain(west["y"]) == corridor.curves[corridor.curves["faction"] == "west"]["area_km2"].tolist()


def test_the_map_shows_each_days_owners_and_front_line(corridor: sim.Run) -> None:
    figs = check_report(corridor, None)
    heat, front = figs["report-map"]["data"][:2]
    assert heat["type"] == "heatmap" and front["name"] == "front line"
    # the colour of a cell is its owner's, paled: code 0 transparent (nobody), code i + 1 faction i's
    scale = heat["colorscale"]
    n = len(corridor.factions)
    for code, fid in enumerate(corridor.factions, start=1):
        at = (code - heat["zmin"]) / (heat["zmax"] - heat["zmin"])
        colour = next(c for v, c in scale if v >= at - 1e-9)
        assert colour == mapfig.pale(corridor.colours[fid]) != corridor.colours[fid], fid
        # ... and the legend's square for the faction has exactly that colour (the cells are opaque)
        entry = next(t for t in figs["report-map"]["data"] if t.get("name") == corridor.names[fid]
                     and t.get("marker", {}).get("symbol") == "square")
        assert entry["marker"]["color"] == colour and entry.get("opacity", 1) == 1
    assert heat.get("opacity", 1) == 1 and heat["showscale"] is False  # the legend replaces the colour bar
    assert heat["zmax"] - heat["zmin"] == n + 1
    grid = corridor.grid
    for frame, day in zip(figs["report-map"]["frames"], range(corridor.days + 1), strict=True):
        assert frame["traces"] == [0, 1, 2, 3] and frame["name"] == corridor.dates[day]
        z = np.asarray(plain(frame["data"][0]["z"]))
        assert np.array_equal(z - 1, corridor.owner[day])  # owner + 1, as the colour scale reads it
        xs = np.asarray(plain(frame["data"][1]["x"]))
        assert len(xs) == int(corridor.front_cells(day).sum()) > 0
        cols = np.round((xs - grid.x0) / grid.cell_km - 0.5).astype(int)
        assert set(cols) == set(np.nonzero(corridor.front_cells(day))[1])
    names = [str(t.get("name")).replace("<br>", " ") for t in figs["report-map"]["data"]]  # legend lines joined
    assert {"highway", "track", "places (name on hover)", "units (size: strength)",
            "places taken (by the taker's colour)"} <= set(names)
    places = next(t for t in figs["report-map"]["data"] if t.get("name") == "places (name on hover)")
    assert set(places["text"]) == set(corridor.places["name"])
    slider = figs["report-map"]["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == list(corridor.dates) and slider["active"] == corridor.days


def test_units_move_with_the_days_sized_by_strength(corridor: sim.Run) -> None:
    figs = check_report(corridor, None)
    units = figs["report-map"]["data"][2]
    assert units["name"] == "units (size: strength)"
    moved = 0
    for frame, day in zip(figs["report-map"]["frames"], range(corridor.days + 1), strict=True):
        t = frame["data"][2]
        today = corridor.units[corridor.units["day"] == day]
        assert t["text"] == today["name"].tolist() and len(t["text"]) > 0
        assert np.allclose(plain(t["x"]), today["x"]) and np.allclose(plain(t["y"]), today["y"])
        assert t["marker"]["color"] == [corridor.colours[f] for f in today["faction"]]
        assert [c[0] for c in t["customdata"]] == [corridor.names[f] for f in today["faction"]]  # names, not ids
        size, strength = np.asarray(plain(t["marker"]["size"])), today["strength"].to_numpy()
        order = np.argsort(strength)
        assert np.all(np.diff(size[order]) >= 0) and size.max() > size.min()  # stronger is bigger
        moved += day > 0 and not np.allclose(plain(t["x"]), plain(figs["report-map"]["frames"][0]["data"][2]["x"]))
    assert moved  # some units move over the run
    # The places taken so far, by the day: none on day 0, every capture of the run by the last day.
    caps = [f["data"][3] for f in figs["report-map"]["frames"]]
    taken = set(corridor.events.loc[corridor.events["kind"] == "captured", "place"])
    assert caps[0]["text"] == [] and set(caps[-1]["text"]) == taken and taken


def test_units_are_recorded_and_read_back(corridor: sim.Run, tmp_path) -> None:  # noqa: ANN001
    u = corridor.units
    assert list(u.columns) == ["day", "name", "faction", "x", "y", "strength"]
    assert sorted(set(u["day"])) == list(range(corridor.days + 1))
    first = u[u["day"] == 0].set_index("name")
    for spec in corridor.scenario.units:  # day 0: where the scenario puts them
        x, y = corridor.grid.projection.forward(spec.lon, spec.lat)
        assert abs(first.loc[spec.name, "x"] - x) <= corridor.grid.cell_km
        assert abs(first.loc[spec.name, "y"] - y) <= corridor.grid.cell_km
    back = sim.read_run(corridor.save(tmp_path / "r"))
    pd.testing.assert_frame_equal(back.units, u, check_dtype=False, atol=1e-3)


def test_a_run_without_units_still_has_its_report(corridor: sim.Run) -> None:
    """Runs written before units were recorded (Run.units None) draw an empty units trace and the rest."""
    import dataclasses

    old = dataclasses.replace(corridor, units=None)
    figs = check_report(old, None)
    assert all(plain(f["data"][2]["x"]) == [] for f in figs["report-map"]["frames"])
    assert figs["report-map"]["frames"][-1]["data"][3]["text"]  # the places taken are still drawn


def test_the_map_opens_on_the_area_of_operations(badia: tuple[sim.Run, pd.DataFrame]) -> None:
    run, claims = badia
    layout = report.report_map_spec(run, claims)["layout"]
    (x0, x1), (y0, y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
    (fx0, fx1), (fy0, fy1) = mapfig.extent_km(run)
    assert fx0 <= x0 < x1 <= fx1 and fy0 <= y0 < y1 <= fy1  # within the map's box
    assert (x1 - x0) * (y1 - y0) < 0.6 * (fx1 - fx0) * (fy1 - fy0)  # and well inside it
    xs, ys = mapfig.axes(run)
    rows, cols = np.nonzero((run.owner != run.owner[0]).any(axis=0))
    assert len(rows) and x0 <= xs[cols].min() and xs[cols].max() <= x1  # every cell that changed hands
    assert y0 <= ys[rows].min() and ys[rows].max() <= y1
    spread = run.units.groupby("name")[["x", "y"]].transform(lambda v: v.max() - v.min()).sum(axis=1)
    moved = run.units[spread > 0]
    assert len(moved) and moved["x"].between(x0, x1).all() and moved["y"].between(y0, y1).all()
    # The dashboard's default is unchanged: the whole box.
    default = mapfig.map_spec(run)["layout"]
    assert default["xaxis"]["range"] == [fx0, fx1] and default["yaxis"]["range"] == [fy0, fy1]


def test_the_dashboards_map_keeps_its_traces(corridor: sim.Run) -> None:
    """The dashboard patches traces 0 and 1 of map_spec(hover=True) with day_update: they stay the heatmap and
    the front line, with the colour bar, and no units unless asked."""
    fig = mapfig.map_spec(corridor, 3, hover=True, title="t", height=500)
    assert [t["type"] for t in fig["data"][:2]] == ["heatmap", "scatter"] and fig["data"][1]["name"] == "front line"
    assert fig["data"][0]["showscale"] is True and "units (size: strength)" not in [t.get("name") for t in fig["data"]]
    assert set(mapfig.day_update(corridor, 3, hover=True)) == {"heatmap", "front"}
    assert set(mapfig.day_update(corridor, 3, units=True)) == {"heatmap", "front", "units", "captures"}
    with_units = mapfig.map_spec(corridor, 3, units=True)
    assert with_units["data"][2]["name"] == "units (size: strength)"
    assert with_units["data"][2]["text"] == mapfig.day_update(corridor, 3, units=True)["units"]["text"]


def test_place_labels_do_not_overprint_and_major_places_come_first(badia: tuple[sim.Run, pd.DataFrame]) -> None:
    run, claims = badia
    fig = report.report_map_spec(run, claims)
    label_traces = [t for t in fig["data"] if (t.get("meta") or {}).get("label_level")]
    assert [t["visible"] for t in label_traces] == [t["meta"]["label_level"] == 1 for t in label_traces]
    shown = {str(n).replace("<b>", "").replace("</b>", "") for t in label_traces for n in t["text"]}
    assert shown <= set(run.places["name"])
    level1 = {str(n).replace("<b>", "").replace("</b>", "") for n in label_traces[0]["text"]}
    assert 5 <= len(level1) < len(run.places)  # some labels at the theatre zoom, not all
    # at the scale the map opens at, no two level-1 labels overlap
    xr, yr = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
    km_px = max((xr[1] - xr[0]) / report.MAP_PLOT_PX[0], (yr[1] - yr[0]) / report.MAP_PLOT_PX[1])
    p = run.places.set_index("name")
    half = {n: len(n) * labels.CHAR_PX / 2 * km_px for n in level1}
    boxes = [(p.loc[n, "x"] - half[n], p.loc[n, "y"], p.loc[n, "x"] + half[n], p.loc[n, "y"] + labels.LINE_PX * km_px)
             for n in level1]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
    # places taken in the run rank first: each is labelled at the first or second level
    levels = labels.label_levels(run.places, km_px, set(run.events.loc[run.events["kind"] == "captured", "place"]))
    taken = run.places["name"].isin(run.events.loc[run.events["kind"] == "captured", "place"]).to_numpy()
    assert taken.any() and set(levels[taken]) <= {1, 2}
    # zones: drawn as outlines with a label saying what they are
    zone = next(t for t in fig["data"] if str(t.get("name", "")).startswith("zone label"))
    assert "air denial" in zone["text"][0] and "US-led coalition" in zone["text"][0]


def test_corridor_report_with_every_kind_of_claim(corridor: sim.Run) -> None:
    claims = corridor_claims()
    figs = check_report(corridor, claims)
    html = report.report_html(corridor, claims)
    assert "</script><b>lost" not in html  # the quote's markup is escaped inside the script
    traces = figs["report-curves"]["data"]
    markers = [t for t in traces if t.get("legendgroup") == "claims"]
    assert len(markers) == 4 and all(t["showlegend"] for t in markers)  # each claim in the legend ...
    assert [t["text"] for t in markers] == [["C1"], ["C2"], ["C3"], ["C4"]]  # ... and labelled on the curves
    assert [t["name"].split(":")[0] for t in markers] == ["C1", "C2", "C3", "C4"]
    assert "Radio West" in markers[0]["name"] and "3,000 km² held" in markers[0]["name"]
    held, gained, pct, locality = markers
    region = corridor.region_km2
    assert region == (corridor.region.sum() * 4.0) > 0  # cells of 2 x 2 km
    assert (held["yaxis"], gained["yaxis"], pct["yaxis"], locality["yaxis"]) == ("y", "y2", "y", "y")
    assert held["y"] == [3000] and gained["y"] == [-800] and locality["y"] == [2000]
    # held_pct is drawn in km² on the held curve: 40% of the region, its range 35-45% likewise
    assert pct["y"] == [pytest.approx(0.40 * region)]
    assert pct["error_y"]["array"] == [pytest.approx(0.05 * region)]
    assert pct["error_y"]["arrayminus"] == [pytest.approx(0.05 * region)]
    # A locality-based claim shows its faction's locality curve (dashed) rather than hiding it.
    shown = {t["legendgroup"] for t in traces if t.get("line", {}).get("dash") == "dash" and t.get("visible") is True}
    assert shown == {"east-localities"}
    assert "The reported areas against the run" in html


def table_rows(html: str, heading: str) -> list[list[str]]:
    """The cells (tags stripped) of the rows of the first table after `heading`."""
    part = html[html.index(heading):]
    part = part[part.index("<table"):part.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)[1:]
    return [[unescape(" ".join(re.sub(r"<[^>]+>", " ", c).split()))
             for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)] for r in rows]


def test_badia_report_tables_the_claims_and_captures(badia: tuple[sim.Run, pd.DataFrame]) -> None:
    from sim.compare import compare_run
    from sim.io.claims import area_claims

    run, claims = badia
    assert len(claims)
    check_report(run, claims)
    html = report.report_html(run, claims)
    areas, caps = compare_run(run, claims)
    # The claims table: one row per area claim, numbered as on the curves, with every number and the full source.
    rows = table_rows(html, "The reported areas against the run")
    assert len(rows) == len(areas) == len(area_claims(claims))
    for k, (row, a) in enumerate(zip(rows, areas.itertuples(), strict=True), start=1):
        assert row[0] == f"C{k}" and row[1] == a.date and row[2] == run.names[a.faction]
        assert row[4] == f"{a.claimed:,.0f}" and row[5] == f"{a.low:,.0f}–{a.high:,.0f}"
        if a.simulated == a.simulated:
            assert row[6] == f"{a.simulated:,.0f}" and row[7] == f"{a.difference:+,.0f}"
            assert row[8] == ("yes" if a.in_range else "no")
        assert row[9].startswith(" ".join(str(a.source).split()))  # the whole source, not cut
    # The captures timeline: every capture of the run, in date order, from and to by name, with the reported date.
    rows = table_rows(html, "Places that changed hands")
    caught = run.events[run.events["kind"] == "captured"]
    assert len(rows) == len(caught) > 0
    assert [r[0] for r in rows] == sorted(r[0] for r in rows) == [t[:10] for t in caught["time"]]
    for row, (_, ev) in zip(rows, caught.iterrows(), strict=True):
        assert row[1].startswith(ev["place"])
        assert row[2] == run.names[ev["detail"].removeprefix("from ")] and row[3] == run.names[ev["faction"]]
    sabaa = caps.set_index("place").loc["al-Sabaa Biyar junction"]
    row = next(r for r in rows if r[1].startswith("al-Sabaa Biyar junction"))
    assert sabaa["status"] == "in range" and row[5] == "in range" and row[4].startswith(sabaa["claimed"])
    early = caps[caps["status"] == "early"]
    for r in early.itertuples():  # days early, in words
        assert any(x[1].startswith(r.place) and x[5] == f"{abs(r.days_off):.0f} day{'s' if abs(r.days_off) != 1 else ''} early"
                   for x in rows)
    # Reported captures the run has not made are listed too (those after the run folded away).
    for place in caps.loc[caps["simulated"] == "", "place"]:
        assert f"<b>{place}</b>" in html
    assert "<details>" in html


def test_badia_report_lists_air_strikes_and_events_not_battle_rounds(badia: tuple[sim.Run, pd.DataFrame]) -> None:
    run, claims = badia
    html = report.report_html(run, claims)
    rows = table_rows(html, "Air strikes and dated events")
    ev = run.events
    strikes = ev[ev["kind"] == "air_strike"]
    assert len(strikes) and sum(r[1] == "air strike" for r in rows) == len(strikes)
    assert not any(r[1] in ("battle", "captured") for r in rows)
    assert len(rows) == int(ev["kind"].isin(["air_strike", "strike", "reinforce", "order", "dissolved"]).sum())
    assert all(r[2] in run.names.values() for r in rows)  # factions by name
    assert "id='event-filters'" in html and "data-kind='air_strike'" in html  # a filter by kind
    battles = table_rows(html, "Battles (")
    assert 0 < len(battles) < int((ev["kind"] == "battle").sum())  # grouped, not one row a round
    assert sum(int(b[3]) for b in battles) == int((ev["kind"] == "battle").sum())


def test_the_summary_says_what_happened(badia: tuple[sim.Run, pd.DataFrame]) -> None:
    run, claims = badia
    html = report.report_html(run, claims)
    summary = html[html.index("What happened"):html.index("</ul>", html.index("What happened"))]
    c = run.curves
    gov = c[c["faction"] == "government"]["area_km2"]
    assert f"+{gov.iloc[-1] - gov.iloc[0]:,.0f} km²" in summary
    assert f"{int((run.events['kind'] == 'captured').sum())} places changed hands" in summary
    from sim.compare import compare_run

    areas = compare_run(run, claims)[0]
    dated = areas[areas["date"] <= run.dates[-1]]
    assert len(dated) and (f"<b>{int(dated['in_range'].sum())} of {len(dated)}</b> claims dated within the run are "
                           "in range") in summary


def test_typed_arrays_as_plotly_encodes_them() -> None:
    from _plotly_utils.utils import to_typed_array_spec

    for a in (np.arange(5, dtype=np.int64) * 100, np.arange(6, dtype=np.int64).reshape(2, 3) - 3,
              np.array([70000, -1], dtype=np.int64), np.array([1.5, -2.25]), np.zeros((3, 4), dtype=np.uint8),
              np.array([3, 300], dtype=np.uint64), np.array([True, False]), np.array([], dtype=float)):
        expected = to_typed_array_spec(a)
        assert report.typed_array(a) == (expected.tolist() if isinstance(expected, np.ndarray) else expected)


@pytest.mark.slow
def test_writing_a_report_imports_no_plotly() -> None:
    code = ("import sys, sim\nfrom sim.viz.report import report_html\n"
            "html = report_html(sim.run(sim.load('corridor'), days=2))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('plotly', '_plotly_utils')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_figure_div_adds_the_default_template_only_when_missing() -> None:
    import plotly.graph_objects as go

    default = plain(go.Figure().to_plotly_json()["layout"]["template"])
    bare = page_figures(report.figure_div({"data": []}, "a"))["a"]
    assert bare["data"] == [] and bare["layout"] == {"template": default} and "frames" not in bare
    own = page_figures(report.figure_div({"data": [], "layout": {"template": {"layout": {"font": {"size": 20}}}}},
                                         "b"))["b"]
    assert own["layout"] == {"template": {"layout": {"font": {"size": 20}}}}
