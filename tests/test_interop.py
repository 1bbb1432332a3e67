"""Every example in docs/interop.md runs as written, and does what the page says: the model in Mesa's own
tools (run_model, DataCollector, batch_run, SolaraViz in a real browser) and in EMA Workbench."""

from __future__ import annotations

import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_dashboard_fixtures import chromium

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "interop.md"


def example(name: str) -> str:
    """The python code block under `<!-- example: name -->` in docs/interop.md."""
    m = re.search(rf"<!-- example: {name} -->\s*```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert m, f"docs/interop.md has no example named {name!r}"
    return m.group(1)


def run_example(name: str) -> dict:
    namespace: dict = {"__name__": f"interop_{name}"}
    exec(compile(example(name), f"docs/interop.md:{name}", "exec"), namespace)  # noqa: S102 - our own docs
    return namespace


@pytest.fixture
def start_method() -> Iterator[None]:
    """mesa.batch_run forces the 'spawn' start method on the whole process; put back what was there."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_mesa_model_example_runs_the_window_and_collects_every_step() -> None:
    ns = run_example("mesa_model")
    model, per_step, daily = ns["model"], ns["per_step"], ns["daily"]
    assert model.steps == 2 * model.steps_per_day and not model.running
    assert len(per_step) == model.steps + 1  # the start, then every step
    assert all(pd.api.types.is_float_dtype(per_step[c]) for c in per_step.columns)
    assert list(per_step.columns) == [f"{f}_{m}" for f in ("west", "east") for m in ("area_km2", "gained_km2")]
    # the last step's per-step areas are the last day's curve rows
    last_day = daily[daily.day == daily.day.max()].set_index("faction")
    for f in ("west", "east"):
        assert per_step[f"{f}_area_km2"].iloc[-1] == last_day.loc[f, "area_km2"]
    # gains are measured from the start: zero at step 0, and they balance between two factions on a closed map
    assert (per_step.iloc[0].filter(like="gained") == 0).all()


def test_seed_and_rng_follow_mesa_model() -> None:
    from sim.model import ConflictModel

    a = ConflictModel("corridor", rng=5, days=1)
    b = ConflictModel("corridor", seed=5, days=1)
    assert a.seed == b.seed == 5
    a.run_model()
    b.run_model()
    assert a.curves() == b.curves()
    with pytest.raises(TypeError, match="seed or rng"):
        ConflictModel("corridor", seed=1, rng=1)
    g = ConflictModel("corridor", rng=np.random.default_rng(3), days=1)  # a Generator: no integer seed to record
    assert g.seed is None and isinstance(g.rng, np.random.Generator)


def test_batch_run_example_gives_one_numeric_row_per_step(start_method: None) -> None:
    from sim.model import ConflictModel

    df = run_example("batch_run")["df"]
    assert sorted(df["rng"].unique()) == [1, 2]
    for _, run in df.groupby("RunId"):
        assert run["Step"].is_unique and len(run) >= 8  # 2 days of 4 steps, plus step 0 (mesa 3.3 drops the last)
        assert pd.api.types.is_float_dtype(run["west_area_km2"])
    # the rows are the model's own: the end of day 1 (step 4) equals that day's curve row from a direct run
    direct = ConflictModel("corridor", rng=2, days=1)
    direct.run_model()
    day1 = {r["faction"]: r["area_km2"] for r in direct.curves() if r["day"] == 1}
    row = df[(df["rng"] == 2) & (df["Step"] == 4)].iloc[0]
    assert row["west_area_km2"] == day1["west"] and row["east_area_km2"] == day1["east"]


@pytest.mark.slow
def test_ema_workbench_example_finds_a_box(start_method: None) -> None:
    ns = run_example("ema_workbench")
    experiments, outcomes, box = ns["experiments"], ns["outcomes"], ns["box"]
    assert len(experiments) == 20 and len(outcomes["gained_km2"]) == 20
    gains = np.asarray(outcomes["gained_km2"])
    assert gains.min() < 6000 < gains.max()  # the question has both answers in the sample
    limits = box.box_lim
    assert limits.loc[0, "zoc_km"] > experiments["zoc_km"].min()  # PRIM cut narrow zones of control away
    assert box.density >= 0.8
    # each experiment is deterministic: the same parameters give the same gain
    first = experiments.iloc[0]
    assert ns["badia"](first["zoc_km"], first["pocket_days"])["gained_km2"] == gains[0]


# ------------------------------------------------------------------ SolaraViz in a real browser
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def solara_page() -> Iterator[str]:
    """`solara run sim.mesa_viz` on the corridor scenario, as a user would start it."""
    port = _free_port()
    env = {**os.environ, "BADIA_SCENARIO": "corridor", "PYTHONPATH": str(ROOT)}
    solara = Path(sys.executable).with_name("solara")
    proc = subprocess.Popen([str(solara), "run", "sim.mesa_viz", "--port", str(port), "--host", "127.0.0.1",
                             "--no-open", "--production"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"solara run exited: {proc.stderr.read().decode()[-2000:]}", pytrace=False)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("solara run did not listen within 90 s", pytrace=False)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.browser
def test_solaraviz_page_draws_the_map_and_curves_and_steps(solara_page: str, tmp_path: Path) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(solara_page)
        page.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=90_000)  # the control map
        page.wait_for_selector("img", timeout=30_000)  # Mesa's matplotlib curves
        title = page.locator(".js-plotly-plot .gtitle").text_content()
        assert "corridor" in title and "2020-01-01" in title
        page.get_by_role("button", name="Step").click()
        # mesa 3.3 shows "Step: 1", mesa 3.5 "Time: 1.0"
        page.wait_for_function("document.body.innerText.match(/Step: 1\\b|Time: 1\\.0/)", timeout=60_000)
        page.wait_for_function("document.querySelector('.js-plotly-plot .gtitle').textContent.includes('06:00')",
                               timeout=60_000)
        page.screenshot(path=str(tmp_path / "solaraviz.png"), full_page=True)
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.mark.slow  # starting a kernel and the page takes ~12 s
def test_solaraviz_page_displays_in_a_jupyter_kernel() -> None:
    """In Jupyter, `make_page(...)` as a cell's last line displays as a widget (what JupyterLab renders)."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        msg_id = kc.execute("import sim.mesa_viz\nsim.mesa_viz.make_page('corridor', seed=3)")
        shown, errors = [], []
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] in ("display_data", "execute_result"):
                shown.append(msg["content"]["data"])
            elif msg["msg_type"] == "error":
                errors.append(msg["content"]["evalue"])
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert errors == []
    assert any("application/vnd.jupyter.widget-view+json" in data for data in shown)
