"""Small measuring tools shared by the benchmark suites: summaries, and timed child processes.

A metric is a dict with the unit, which direction is better, and min/median/max over its samples, so
that results files from different commits can be compared metric by metric (see compare.py).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def metric(samples: Sequence[float], unit: str, better: str = "lower", note: str = "") -> dict[str, Any]:
    """Summarise samples as min/median/max (and keep them), with the unit and the better direction."""
    values = [float(v) for v in samples]
    out: dict[str, Any] = {"unit": unit, "better": better, "n": len(values),
                           "min": min(values), "median": statistics.median(values), "max": max(values),
                           "samples": [round(v, 6) for v in values]}
    if note:
        out["note"] = note
    return out


def repeat(fn: Callable[[], float], n: int) -> list[float]:
    """Call a function that returns one measurement `n` times."""
    return [fn() for _ in range(n)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of one call, and what it returned."""
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


@dataclass
class ChildRun:
    """One child process: wall seconds, peak resident memory in MB, exit code and output."""

    wall_s: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


# Runs the command as a grandchild and reports its wall time and rusage. Needed because Linux records
# the memory high-water mark of the process image that exec replaces: a child spawned straight from a big
# benchmark process would report at least the parent's own peak RSS. This launcher is small, so its
# fork's floor is a few MB.
LAUNCHER = """
import json, os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(sys.argv[1], "w") as f:
    json.dump({"wall_s": wall, "max_rss_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}, f)
"""


def run_child(argv: Sequence[str], cwd: Path = REPO) -> ChildRun:
    """Run a command to completion: its wall clock, its own peak RSS (wait4), exit code and output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rusage.json"
        subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(report), *argv], cwd=cwd, stdout=out,
                       stderr=err, check=False)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        if not report.exists():
            raise RuntimeError(f"launcher failed for {argv[0]}: {stderr[-2000:]}")
        usage = json.loads(report.read_text())
    return ChildRun(usage["wall_s"], usage["max_rss_kb"] / 1024.0, usage["code"], stdout, stderr)


def run_python_json(code: str) -> tuple[ChildRun, dict[str, Any]]:
    """Run Python code in a fresh interpreter; its last stdout line is JSON, returned parsed."""
    child = run_child([sys.executable, "-c", code])
    if child.returncode != 0:
        raise RuntimeError(f"child failed ({child.returncode}): {child.stderr[-2000:]}")
    return child, json.loads(child.stdout.strip().splitlines()[-1])
