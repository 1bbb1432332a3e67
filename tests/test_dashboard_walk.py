"""A teacher's walk through the dashboard, as docs/dashboard.md ("A teacher's walk") tells it: open the dashboard,
run the flagship, play it, compare it with and without the coalition's air patrol, see the difference; then the
red-line lesson, where the patrol decides the campaign. Playwright drives Debian's headless chromium at 1400 x 900.

Each step leaves a screenshot, docs/screenshots/walk-*.png with BADIA_UPDATE_SCREENSHOTS=1 (else in the test's
tmp dir), and checks what the teacher would look at: the map's days move when playing, the difference map
names what differs, the maps show the places the lesson is about.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_dashboard_fixtures import chromium, dashboard_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
PLOT = "document.querySelector('#{id} .js-plotly-plot')"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with dashboard_server(tmp_path_factory.mktemp("runs")) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, url: str):  # noqa: ANN001, ANN201 - playwright objects
    pg = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.goto(url)
    pg.wait_for_selector("#run-go")
    yield pg
    pg.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def title(pg, graph: str) -> str:  # noqa: ANN001
    return pg.evaluate(f"() => {{ const g = {PLOT.format(id=graph)}; return g && g.layout.title ? g.layout.title.text : ''; }}")


def wait_title(pg, graph: str, pattern: str, timeout: float = 60_000) -> None:  # noqa: ANN001
    pg.wait_for_function(f"() => {{ const g = {PLOT.format(id=graph)}; return g && g.layout.title && "
                         f"/{pattern}/.test(g.layout.title.text); }}", timeout=timeout)


def shot(pg, name: str, tmp_path: Path) -> Path:  # noqa: ANN001
    """Screenshot of the window as the teacher sees it."""
    target = tmp_path / f"{name}.png"
    pg.screenshot(path=str(target))
    if os.environ.get("BADIA_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, SCREENSHOTS / f"{name}.png")
    return target


def test_the_walk_is_documented() -> None:
    """docs/dashboard.md shows every screenshot this walk takes."""
    doc = (ROOT / "docs" / "dashboard.md").read_text(encoding="utf-8")
    names = set(re.findall(r'shot\(page, "(walk-[\w-]+)"', Path(__file__).read_text(encoding="utf-8")))
    assert len(names) == 4
    for name in names:
        assert f"screenshots/{name}.png" in doc, name


def test_walk_1_run_and_play_the_flagship(page, tmp_path: Path) -> None:  # noqa: ANN001
    # 1. The dashboard opens on the flagship: press Run
    assert "badia_2017" in page.inner_text("#run-scenario")
    page.click("#run-go")
    wait_title(page, "run-map", "control on 2017-05-27")
    # the live map is hidden once the run is shown (test_the_live_map_follows_a_long_run watches it while it runs)
    assert page.evaluate("() => getComputedStyle(document.querySelector('#run-live-box')).display") == "none"
    assert "run=" in page.url  # the run is saved and named in the address: a reload comes back to it
    shot(page, "walk-1-run", tmp_path)

    # 2. Back to the start and play: the map moves day by day in the browser
    page.click("#run-reset")
    wait_title(page, "run-map", "control on 2017-05-07")
    page.click("#run-play")
    seen = set()
    for _ in range(60):
        seen.add(title(page, "run-map")[-10:])
        if "2017-05-16" in seen:
            break
        page.wait_for_timeout(150)
    page.click("#run-play")  # pause
    assert len(seen) >= 4, seen  # several days were drawn on the way
    page.wait_for_function("() => document.querySelector('#run-play').innerText.includes('play')")
    page.click("#run-reset")
    wait_title(page, "run-map", "control on 2017-05-07")
    for _ in range(9):  # step to 16 May, as fast as a teacher clicks
        page.click("#run-step", delay=30)
    wait_title(page, "run-map", "control on 2017-05-16")
    page.wait_for_timeout(500)
    assert title(page, "run-map").endswith("2017-05-16")  # not one click lost, none counted twice
    # the units and the places taken moved with the days, drawn in the browser
    units = page.evaluate(f"() => {{ const t = {PLOT.format(id='run-map')}.data[2]; "
                          "return [t.name, Array.from(t.x).length, t.text]; }")
    assert units[0].startswith("units") and units[1] >= 20 and units[1] == len(units[2]), units
    taken = page.evaluate(f"() => {PLOT.format(id='run-map')}.data[3].customdata.map(c => c[0])")
    assert taken and max(taken) <= "2017-05-16", taken
    shot(page, "walk-2-play", tmp_path)


def test_walk_2_compare_with_and_without_the_patrol(page, tmp_path: Path) -> None:  # noqa: ANN001
    # 3. Compare: run A is the flagship, run B the same with the coalition's al-Tanf patrol grounded
    page.get_by_text("Compare", exact=True).first.click()
    assert page.input_value("#cmp-B-overrides") == "air_power.coalition_tanf.sorties_per_day=0"
    page.click("#cmp-go")
    wait_title(page, "cmp-diff", "Difference on 2017-05-27")
    km2 = page.evaluate(f"() => {PLOT.format(id='cmp-diff')}.layout.meta.differ_km2")
    assert km2 == 40  # as docs/dashboard.md says
    circled = page.evaluate(f"() => {PLOT.format(id='cmp-diff')}.data[1].x.length")
    assert circled > 0  # a small difference is circled, so it is seen on the whole theatre
    legend = page.evaluate(f"() => {PLOT.format(id='cmp-diff')}.data.map(t => t.name)")
    assert any("not in “run A”" in (n or "") for n in legend)
    shot(page, "walk-3-compare", tmp_path)


def test_walk_3_the_red_line_lesson(page, tmp_path: Path) -> None:  # noqa: ANN001
    # 4. The lesson made for it: an outside power's red line, patrol flying vs grounded
    page.get_by_text("Lessons", exact=True).first.click()
    page.click("#lesson-pick")
    page.get_by_role("option", name=re.compile("red line")).first.click()
    page.wait_for_function("() => document.querySelector('#lesson-text').innerText.includes('red line')")
    page.click("#lesson-go")
    wait_title(page, "lesson-diff", "Difference on")
    km2 = page.evaluate(f"() => {PLOT.format(id='lesson-diff')}.layout.meta.differ_km2")
    assert km2 == 5968  # as docs/dashboard.md says
    for graph in ("lesson-map-a", "lesson-map-b"):  # the red line itself: the zone's outline and label, in view
        zone = page.evaluate(f"() => {{ const g = {PLOT.format(id=graph)}; "
                             "const o = g.data.find(t => (t.name || '').startsWith('zone: red line')); "
                             "const l = g.data.find(t => t.name === 'zone label: red_line'); "
                             "return [o && Array.from(o.x).filter(v => v !== null), l && l.text[0], "
                             "l && [l.x[0], l.y[0]], g._fullLayout.xaxis.range, g._fullLayout.yaxis.range]; }")
        xs, label, (lx, ly), x_range, y_range = zone
        assert xs and label.startswith("red line (air denial"), (graph, label)
        # the circle runs past the lesson's grid on the east; its label (at its top) and most of it are in view
        assert x_range[0] < lx < x_range[1] and y_range[0] < ly < y_range[1], (graph, x_range, y_range)
        assert sum(x_range[0] < x < x_range[1] for x in xs) > len(xs) / 2, (graph, x_range)
        units = page.evaluate(f"() => {PLOT.format(id=graph)}.data[2]")
        assert units["name"].startswith("units") and len(units["x"]) > 0
    shot(page, "walk-4-lesson", tmp_path)


def test_the_live_map_follows_a_long_run(page) -> None:  # noqa: ANN001
    """While a run goes, the live map shows the day it has reached; a run long enough for several polls (the
    walk's 20 days can end before the first 400 ms poll on a fast machine)."""
    page.fill("#run-days", "90")
    page.click("#run-go")
    wait_title(page, "run-live", r"\(running\): control on 2017-0[5-8]-")
    progress = page.inner_text("#run-progress-text")
    assert re.search(r"day \d+ of 90", progress), progress
    live = page.evaluate(f"() => {{ const g = {PLOT.format(id='run-live')}; return g.data[0].type; }}")
    assert live == "heatmap"
    wait_title(page, "run-map", "control on 2017-08-05", timeout=180_000)
    assert page.evaluate("() => getComputedStyle(document.querySelector('#run-live-box')).display") == "none"
