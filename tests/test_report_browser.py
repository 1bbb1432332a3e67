"""report.html in a real browser (Debian's headless chromium through Playwright), offline: both plots drawn
from the inlined plotly.js, the typed arrays decoded, the day slider's frames loaded, no JavaScript errors."""

from __future__ import annotations

from pathlib import Path

import playwright.sync_api as playwright_api  # a dev dependency: these tests are never skipped
import pytest
from test_report import corridor_claims

import sim

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

if not Path(CHROMIUM).exists():
    pytest.fail(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
                pytrace=False)


def test_report_renders_both_plots_offline(tmp_path: Path) -> None:
    run = sim.run(sim.load("corridor"), days=6)
    out = run.save(tmp_path / "run", claims=corridor_claims())
    errors: list[str] = []
    requests: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
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
            first = page.evaluate("async () => { const g = document.getElementById('report-map');"
                                  " await Plotly.animate(g, [g._fullLayout.sliders[0].steps[0].label],"
                                  " {mode: 'immediate', frame: {duration: 0, redraw: true}, transition: {duration: 0}});"
                                  " return {z: Array.from(g._fullData[0].z, r => Array.from(r)),"
                                  " front: g._fullData[1].x.length} }")
        finally:
            browser.close()
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
