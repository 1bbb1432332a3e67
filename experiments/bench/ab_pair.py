"""Two versions of the engine, run side by side on the same batch: which is faster per run, and do they agree?

    git worktree add /tmp/before <commit>
    python experiments/bench/ab_pair.py --before /tmp/before --after . [--runs 200] [--out DIR]

This machine's speed drifts by 5-10% from one minute to the next (a shared VM), as much as a round of
optimisation buys, so two batches run one after the other cannot tell the versions apart. Here both run at once,
each through `badia batch --workers 1` with its own source tree first on PYTHONPATH, on a copy of
experiments/badia_study.toml cut to about --runs runs: the two see the same machine at the same moments, and each
run is compared with the same run of the other (same parameters, same seed). Prints, and writes to
results/ab-pair-<before>-<after>.json, the median and mean of the per-run wall-time ratios after/before, and whether
the curves and first captures of every run are identical.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from study import write_experiment

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent.parent
RESULTS = BENCH_DIR / "results"


def commit_of(tree: Path) -> str:
    """The short commit a source tree is at ("unknown" outside git), with "+" if it has changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(tree), *args], capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+" if git("status", "--porcelain", "--untracked-files=no") else "")


def start_batch(tree: Path, experiment: Path, out: Path) -> subprocess.Popen:
    """`badia batch` with one worker, importing `sim` from `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    return subprocess.Popen([sys.executable, "-m", "sim", "batch", str(experiment), "--out", str(out),
                             "--workers", "1", "--quiet"], env=env, cwd=out.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def records(batch: Path) -> dict[int, dict[str, Any]]:
    """run id -> its record."""
    out = {}
    for path in (batch / "runs").glob("*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        out[int(record["run_id"])] = record
    return out


def curves(batch: Path) -> pd.DataFrame:
    """Every run's curves, in run order."""
    parts = sorted((batch / "curves").glob("part-*.parquet"))
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path, help="source tree of the earlier version")
    parser.add_argument("--after", required=True, type=Path, help="source tree of the later version")
    parser.add_argument("--runs", type=int, default=200, help="about this many runs (default 200)")
    parser.add_argument("--out", type=Path, default=None, help="where the two batches go (default: a temp dir)")
    args = parser.parse_args()
    for flag, tree in (("--before", args.before), ("--after", args.after)):
        if not (tree / "sim" / "__init__.py").is_file():
            print(f"ab_pair.py: {flag} {tree}: expected a source tree of Badia (with sim/__init__.py); found none.",
                  file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="badia-ab-") as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        experiment, _, _ = write_experiment(args.runs, folder)
        outs = {side: folder / f"batch-{side}" for side in ("before", "after")}
        t0 = time.perf_counter()
        procs = {side: start_batch(tree, experiment, outs[side])
                 for side, tree in (("before", args.before), ("after", args.after))}
        for side, proc in procs.items():
            _, err = proc.communicate()
            if proc.returncode not in (0, 1):
                print(f"ab_pair.py: the {side} batch failed (exit {proc.returncode}):\n{err}", file=sys.stderr)
                return 1
        wall = time.perf_counter() - t0
        before, after = records(outs["before"]), records(outs["after"])
        common = sorted(set(before) & set(after))
        ratios = [after[i]["wall_seconds"] / before[i]["wall_seconds"] for i in common]
        result = {
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "before": commit_of(args.before), "after": commit_of(args.after), "runs": len(common),
            "wall_s_both": round(wall, 1),
            "run_wall_median_s_before": round(statistics.median(r["wall_seconds"] for r in before.values()), 4),
            "run_wall_median_s_after": round(statistics.median(r["wall_seconds"] for r in after.values()), 4),
            "ratio_after_before_median": round(statistics.median(ratios), 4),
            "ratio_after_before_mean": round(statistics.mean(ratios), 4),
            "curves_identical": bool(curves(outs["before"]).equals(curves(outs["after"]))),
            "captures_identical": all(before[i]["captures"] == after[i]["captures"] for i in common),
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"ab-pair-{result['before']}-{result['after']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for key, value in result.items():
        print(f"{key}: {value}")
    print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
