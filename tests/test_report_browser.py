"""report.html in a real browser (Debian's headless chromium through Playwright), offline: both plots drawn
from the inlined plotly.js, the typed arrays decoded, the day slider's frames loaded (they move the units), no
JavaScript errors; and the Badia report as a reader sees it at 1400 x 900: the play button clear of the first
date, more place names as the map is zoomed in, screenshots in docs/screenshots/report-*.png."""

from __future__ import annotations

from pathlib import Path

import playwright.sync_api as playwright_api  # a dev dependency: these tests are never skipped
import pytest
from test_dashboard_fixtures import CHROMIUM, chromium
from test_report import corridor_claims

import sim

if not Path(CHROMIUM).exists():
    pytest.fail(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
                pytrace=False)


def test_report_renders_both_plots_offline(tmp_path: Path) -> None:
    run = sim.run(sim.load("corridor"), days=6)
    out = run.save(tmp_path / "run", claims=corridor_claims())
    errors: list[str] = []
    requests: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        url = (out / "report.html").as_uri()

        def offline(route: playwright_api.Route) -> None:  # the page itself, and nothing else
            if route.request.url == url:
                route.continue_()
            else:
                requests.append(route.request.url)
                route.abort()

        page.route("**/*", offline)
        page.goto(url)
        page.wait_for_function("() => ['report-curves', 'report-map'].every(id => {"
                               " const g = document.getElementById(id); return g && g._fullData"
                               " && g._fullData.length > 0 })", timeout=30_000)
        curves = page.evaluate("() => { const g = document.getElementById('report-curves'); return {"
                               " traces: g._fullData.length, y: Array.from(g._fullData[0].y),"
                               " markers: g.querySelectorAll('.scatterlayer .point').length,"
                               " titles: Array.from(g.querySelectorAll('.annotation-text')).map(e => e.textContent)} }")
        heat = page.evaluate("() => { const g = document.getElementById('report-map'); const z = g._fullData[0].z;"
                             " return {rows: z.length, cols: z[0].length, last: Array.from(z, r => Array.from(r)),"
                             " frames: g._transitionData._frames.length,"
                             " steps: g._fullLayout.sliders[0].steps.length,"
                             " controls: g.querySelectorAll('.slider-container, .updatemenu-button').length,"
                             " image: g.querySelectorAll('.hm image').length} }")
        units = ("Array.from(g._fullData[2].x).map((x, i) => [g._fullData[2].text[i], Math.round(x),"
                 " Math.round(g._fullData[2].y[i])])")
        last_units = page.evaluate(f"() => {{ const g = document.getElementById('report-map'); return {units} }}")
        first = page.evaluate("async () => { const g = document.getElementById('report-map');"
                              " await Plotly.animate(g, [g._fullLayout.sliders[0].steps[0].label],"
                              " {mode: 'immediate', frame: {duration: 0, redraw: true}, transition: {duration: 0}});"
                              " return {z: Array.from(g._fullData[0].z, r => Array.from(r)),"
                              f" front: g._fullData[1].x.length, units: {units},"
                              " dots: g.querySelectorAll('.scatterlayer .trace:nth-child(2) .point').length} }")
    assert not errors, f"JavaScript errors in report.html: {errors}"
    assert not requests, f"report.html fetched {requests}"  # plotly.js is inlined
    n = len(run.factions)
    assert curves["traces"] == 4 * n + 4  # held and gained per faction, counted both ways; four claims
    west = run.curves[run.curves["faction"] == run.factions[0]]["area_km2"].tolist()
    assert curves["y"] == west  # the typed array decoded to the curve's values
    assert curves["markers"] >= 3 and curves["titles"] == ["Territory held (km²)", "Gained since start (km²)"]
    owner = (run.owner[-1] + 1).tolist()
    assert (heat["rows"], heat["cols"]) == (len(owner), len(owner[0])) and heat["last"] == owner
    assert heat["frames"] == heat["steps"] == run.days + 1 and heat["image"] == 1
    assert heat["controls"] == 3  # the day slider, play and pause
    assert first["z"] == (run.owner[0] + 1).tolist() != owner  # the slider's first day, from its frame
    assert first["front"] == int(run.front_cells(0).sum()) > 0  # and that day's front line
    # ... and that day's units, where the run had them (the slider moves them)
    for day, drawn in ((0, first["units"]), (run.days, last_units)):
        u = run.units[run.units["day"] == day]
        assert drawn == [[n, round(x), round(y)] for n, x, y in zip(u["name"], u["x"], u["y"], strict=True)]
    assert first["units"] != last_units and first["dots"] == len(first["units"])


def test_badia_report_as_a_reader_sees_it(tmp_path: Path) -> None:
    """The flagship's report at 1400 x 900: play and pause clear of the first date, more place names when zoomed
    in, every unit drawn; screenshots of each part into docs/screenshots/ (to look at)."""
    run = sim.run(sim.load("badia_2017"))
    out = run.save(tmp_path / "run")
    shots = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
    errors: list[str] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((out / "report.html").as_uri())
        page.wait_for_function("() => { const g = document.getElementById('report-map');"
                               " return g && g._fullData && g._transitionData._frames.length > 0 }",
                               timeout=30_000)
        page.wait_for_timeout(500)
        boxes = page.evaluate("() => { const g = document.getElementById('report-map');"
                              " const box = e => { const r = e.getBoundingClientRect();"
                              "  return [r.left, r.top, r.right, r.bottom] };"
                              " return {buttons: Array.from(g.querySelectorAll('.updatemenu-button'), box),"
                              " labels: Array.from(g.querySelectorAll('.slider-container text'), box),"
                              " texts: Array.from(g.querySelectorAll('.slider-container text'), e => e.textContent),"
                              " units: g.querySelectorAll('.scatterlayer .trace:nth-child(2) .point').length} }")
        page.screenshot(path=str(shots / "report-summary.png"))
        page.locator("#report-map").screenshot(path=str(shots / "report-map.png"))
        page.locator("#report-curves").screenshot(path=str(shots / "report-curves.png"))
        shown = "() => { const g = document.getElementById('report-map'); return g.data.filter(t => t.meta &&" \
                " t.meta.label_level && t.visible === true).reduce((n, t) => n + t.text.length, 0) }"
        before = page.evaluate(shown)
        page.evaluate("async () => { const g = document.getElementById('report-map');"
                      " const x = g._fullLayout.xaxis.range, y = g._fullLayout.yaxis.range;"
                      " const cx = (x[0] + x[1]) / 2, cy = (y[0] + y[1]) / 2, w = (x[1] - x[0]) / 8,"
                      " h = (y[1] - y[0]) / 8;"
                      " await Plotly.relayout(g, {'xaxis.range': [cx - w, cx + w], 'yaxis.range': [cy - h, cy + h]}) }")
        page.wait_for_timeout(300)
        after = page.evaluate(shown)
        page.locator("#report-map").screenshot(path=str(shots / "report-map-zoomed.png"))
        page.locator("h3", has_text="Places that changed hands").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "report-tables.png"))
    assert not errors, f"JavaScript errors in report.html: {errors}"
    assert run.dates[0] in boxes["texts"] and len(boxes["buttons"]) == 2  # the first date is labelled

    def overlap(a: list[float], b: list[float]) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    for button in boxes["buttons"]:
        assert not any(overlap(button, label) for label in boxes["labels"]), (button, boxes["labels"][0])
    assert boxes["units"] == int((run.units["day"] == run.days).sum())  # every unit of the last day drawn
    assert 0 < before < after  # zoomed in 4 times, more places are named
