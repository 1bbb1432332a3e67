"""PNG export never hangs: the kaleido render runs in a child process group with a time limit (plotly/Kaleido#441).

The child is replaced here by small Python programs, so these tests need neither kaleido nor chromium; the real
render is exercised through the page (test_dashboard_browser.py) and `badia map` (test_map_command.py).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import plotly.graph_objects as go
import pytest

from sim.dashboard import exports

FIG = go.Figure(go.Heatmap(z=[[1, 2], [3, 4]]))


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if chromium were installed, wherever the test runs."""
    monkeypatch.setattr(exports, "browser_path", lambda: "/usr/bin/chromium")


def child(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    monkeypatch.setattr(exports, "_child_command", lambda size: [sys.executable, "-c", code, *map(str, size)])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_render_that_never_answers_times_out_and_leaves_no_process(browser, monkeypatch, tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    # the child starts a grandchild (as kaleido starts chromium), then both wait forever
    child(monkeypatch, "import subprocess, sys, time; "
                       f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
                       f"open({str(pid_file)!r}, 'w').write(str(p.pid)); time.sleep(600)")
    monkeypatch.setattr(exports, "PNG_TIMEOUT_S", 2.0)
    start = time.monotonic()
    with pytest.raises(exports.ExportError, match=r"PNG export timed out: kaleido did not answer in 2 s; try again"):
        exports.png_bytes(FIG, 600, 400)
    assert time.monotonic() - start < 10
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(grandchild), "the browser kaleido started outlived the timed-out render"


def test_a_failed_render_names_the_reason(browser, monkeypatch) -> None:
    child(monkeypatch, "import sys; print('ValueError: the figure is broken', file=sys.stderr); sys.exit(1)")
    with pytest.raises(exports.ExportError, match=r"^PNG export failed: ValueError: the figure is broken$"):
        exports.png_bytes(FIG)


def test_the_child_gets_the_figure_and_the_size(browser, monkeypatch) -> None:
    # echo the size and the figure's first trace type back, wrapped as a PNG, to check what the child receives
    child(monkeypatch, "import json, sys; fig = json.loads(sys.stdin.read()); "
                       "sys.stdout.buffer.write(b'\\x89PNG' + ' '.join([*sys.argv[1:3], "
                       "fig['data'][0]['type']]).encode())")
    assert exports.png_bytes(FIG, 640) == b"\x89PNG640 600 heatmap"  # height: the figure's, else 600
    assert exports.png_bytes(FIG, 300, 200) == b"\x89PNG300 200 heatmap"


def test_without_a_browser_nothing_is_started(monkeypatch) -> None:
    monkeypatch.setattr(exports, "browser_path", lambda: None)
    monkeypatch.setattr(exports, "_render", lambda *a: pytest.fail("a child was started"))
    with pytest.raises(exports.ExportError, match="needs chromium"):
        exports.png_bytes(FIG)
