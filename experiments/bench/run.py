"""Run the benchmark suite and write results/<commit>.json and results/latest.md.

    python experiments/bench/run.py               # full suite, 5 repeats (about 10 minutes on 2 cores)
    python experiments/bench/run.py --quick       # 2 repeats, shorter runs: a smoke test of the suite
    python experiments/bench/run.py --repeat 7 --only run,startup

Suites: run (badia run + per-step API), startup, imports, scaling, reference (naive Mesa), batch.
A --quick run writes results/quick-<commit>.json and results/quick.md instead (git ignores them): its numbers
are not comparable with a full run's, and must not replace the tracked results. Every results file records its
mode, and compare.py refuses to set a quick run against a full one.
Compare two results files with `python experiments/bench/compare.py OLD.json NEW.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import report_md
import suite_batch
import suite_reference
import suite_run
import suite_scaling
from timing import REPO

from sim.io.atomic import write_text

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results"
SUITES = ("run", "startup", "imports", "scaling", "reference", "batch")


def git_commit() -> tuple[str, bool]:
    """Short commit of HEAD and whether the working tree has changes (read-only git commands)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                                    capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return "nogit", True
    return commit, dirty


def output_paths(out: Path, commit: str, quick: bool) -> tuple[Path, Path]:
    """Where a run's results go: <commit>.json and latest.md for a full run; quick-<commit>.json and quick.md
    for a quick one, so that a smoke test never overwrites the tracked results of a full run."""
    if quick:
        return out / f"quick-{commit}.json", out / "quick.md"
    return out / f"{commit}.json", out / "latest.md"


def plan(args: argparse.Namespace) -> dict[str, Callable[[], dict[str, Any]]]:
    """The suites to run with their sizes for this mode."""
    name, r = args.scenario, args.repeat
    quick_days = 5 if args.quick else None
    return {
        "run": lambda: {**suite_run.cli_run(name, r, quick_days), **suite_run.api_steps(name, r, quick_days)},
        "startup": lambda: suite_run.startup(name, r),
        "imports": lambda: suite_run.imports(r),
        "scaling": lambda: suite_scaling.scaling(name, r, 1 if args.quick else min(r, 3), quick_days, str(BENCH_DIR)),
        "reference": lambda: suite_reference.reference(name, 2 if args.quick else max(r, 5) + 1),
        "batch": lambda: suite_batch.throughput(name, 1 if args.quick else 3, quick_days),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 repeats and 5-day runs: checks the suite works")
    parser.add_argument("--repeat", type=int, default=None, help="repeats per measurement (default 5, quick 2)")
    parser.add_argument("--scenario", default="badia_2017", help="scenario to measure (default badia_2017)")
    parser.add_argument("--only", default=",".join(SUITES), help=f"comma-separated suites from {', '.join(SUITES)}")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    args = parser.parse_args(argv)
    args.repeat = args.repeat or (2 if args.quick else 5)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SUITES))
    if unknown:
        parser.error(f"unknown suites: {', '.join(unknown)}")

    commit, dirty = git_commit()
    results: dict[str, Any] = {
        "commit": commit, "dirty": dirty, "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "mode": "quick" if args.quick else "full", "repeat": args.repeat, "scenario": args.scenario,
        "command": "python experiments/bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "environment": {"python": platform.python_version(), "mesa": mesa.__version__, "numpy": np.__version__,
                        "cpus": os.cpu_count(), "machine": platform.machine(),
                        "load_before": [round(v, 2) for v in os.getloadavg()]},
        "metrics": {}, "errors": {}, "suite_seconds": {},
    }
    suites = plan(args)
    for key in chosen:
        print(f"[bench] {key} ...", flush=True)
        t0 = time.perf_counter()
        try:
            results["metrics"].update(suites[key]())
        except Exception as exc:  # a broken suite is reported, the others still run
            results["errors"][key] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        results["suite_seconds"][key] = round(time.perf_counter() - t0, 1)
        print(f"[bench] {key} done in {results['suite_seconds'][key]} s", flush=True)
    results["environment"]["load_after"] = [round(v, 2) for v in os.getloadavg()]
    results["targets"] = report_md.targets(results["metrics"])

    args.out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = output_paths(args.out, commit, args.quick)
    write_text(json_path, json.dumps(results, indent=1) + "\n")
    md = report_md.markdown(results)
    write_text(md_path, md)
    print(md)
    print(f"[bench] wrote {json_path} and {md_path}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
