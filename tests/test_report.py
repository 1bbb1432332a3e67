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

import numpy as np
import pandas as pd
import pytest

import sim
from sim.io.claims import read_claims
from sim.viz import mapfig, report

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
    # The go.Figure wrappers (the dashboard draws with them) draw the figures of the page.
    assert_same({k: v for k, v in figs["report-curves"].items() if k != "config"},
                report.curves_figure(run, claims).to_plotly_json())
    assert_same({k: v for k, v in figs["report-map"].items() if k != "config"},
                mapfig.map_figure(run, animate=True).to_plotly_json())
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
    # the colour of a cell is its owner's: code 0 transparent (nobody), code i + 1 the colour of faction i
    scale = heat["colorscale"]
    n = len(corridor.factions)
    for code, fid in enumerate(corridor.factions, start=1):
        at = (code - heat["zmin"]) / (heat["zmax"] - heat["zmin"])
        colour = next(c for v, c in scale if v >= at - 1e-9)
        assert colour == corridor.colours[fid], fid
    assert heat["colorbar"]["ticktext"] == [corridor.names[f] for f in corridor.factions]
    assert heat["zmax"] - heat["zmin"] == n + 1
    grid = corridor.grid
    for frame, day in zip(figs["report-map"]["frames"], range(corridor.days + 1), strict=True):
        assert frame["traces"] == [0, 1] and frame["name"] == corridor.dates[day]
        z = np.asarray(plain(frame["data"][0]["z"]))
        assert np.array_equal(z - 1, corridor.owner[day])  # owner + 1, as the colour scale reads it
        xs = np.asarray(plain(frame["data"][1]["x"]))
        assert len(xs) == int(corridor.front_cells(day).sum()) > 0
        cols = np.round((xs - grid.x0) / grid.cell_km - 0.5).astype(int)
        assert set(cols) == set(np.nonzero(corridor.front_cells(day))[1])
    names = [t.get("name") for t in figs["report-map"]["data"]]
    assert {"highway", "track", "places"} <= set(names)
    places = next(t for t in figs["report-map"]["data"] if t.get("name") == "places")
    assert set(places["text"]) == set(corridor.places["name"])
    slider = figs["report-map"]["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == list(corridor.dates) and slider["active"] == corridor.days


def test_corridor_report_with_every_kind_of_claim(corridor: sim.Run) -> None:
    claims = corridor_claims()
    figs = check_report(corridor, claims)
    html = report.report_html(corridor, claims)
    assert "</script><b>lost" not in html  # the quote's markup is escaped inside the script
    traces = figs["report-curves"]["data"]
    markers = [t for t in traces if t.get("legendgroup") == "claims"]
    assert len(markers) == 4 and [t["showlegend"] for t in markers] == [True, False, False, False]
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
    assert "Against the reported areas" in html


def test_badia_report_tables_the_claims_and_captures(badia: tuple[sim.Run, pd.DataFrame]) -> None:
    run, claims = badia
    assert len(claims)
    check_report(run, claims)
    html = report.report_html(run, claims)
    assert "Against the reported areas" in html
    assert "Dated captures: reported and simulated" in html
    for place in claims[claims["measure"] == "captured"]["place"]:
        assert place in html
    # the table says what the comparison says: a capture in the reported dates is marked in range
    from sim.compare import compare_run

    caps = compare_run(run, claims)[1].set_index("place")
    assert caps.loc["al-Sabaa Biyar junction", "status"] == "in range"
    row = html[html.index("al-Sabaa Biyar junction</td>"):]
    assert row.index("<span class='ok'>in range</span>") < row.index("</tr>")


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
