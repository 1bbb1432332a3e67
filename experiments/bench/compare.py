"""Compare two benchmark results files and flag every metric more than 20% worse.

    python experiments/bench/compare.py results/OLD.json results/NEW.json [--threshold 0.2]

Compares medians metric by metric, in each metric's own better direction (time and memory: lower is
better; runs per minute and speed-up: higher is better). Exit code 1 if any metric regressed by more
than the threshold, 0 otherwise; metrics present in only one file are listed, not judged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def is_metric(value: Any) -> bool:
    return isinstance(value, dict) and "median" in value and "better" in value


def slowdown(old: dict[str, Any], new: dict[str, Any]) -> float:
    """How much worse `new` is than `old` as a fraction (0.25 = 25% worse; negative = better).

    For lower-is-better metrics it is new/old - 1; for higher-is-better ones old/new - 1, so that
    halving a throughput counts like doubling a time.
    """
    a, b = float(old["median"]), float(new["median"])
    if old["better"] == "higher":
        a, b = b, a
    if a <= 0:
        return 0.0 if b <= 0 else float("inf")
    return b / a - 1.0


def compare(old: dict[str, Any], new: dict[str, Any], threshold: float = 0.2) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows (metric, old, new, change, flagged) for metrics in both files, and the keys in only one."""
    om, nm = old.get("metrics", {}), new.get("metrics", {})
    rows = []
    for key in om:
        if key in nm and is_metric(om[key]) and is_metric(nm[key]):
            change = slowdown(om[key], nm[key])
            rows.append({"metric": key, "unit": nm[key]["unit"], "old": om[key]["median"], "new": nm[key]["median"],
                         "worse_by": change, "flagged": change > threshold})
    only = sorted(set(om) ^ set(nm))
    return rows, [k for k in only if is_metric(om.get(k)) or is_metric(nm.get(k))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--threshold", type=float, default=0.2, help="flag metrics worse by more (default 0.2)")
    args = parser.parse_args(argv)
    old = json.loads(args.old.read_text(encoding="utf-8"))
    new = json.loads(args.new.read_text(encoding="utf-8"))
    rows, only = compare(old, new, args.threshold)
    print(f"{old.get('commit')} -> {new.get('commit')} (medians; flag when worse by > {args.threshold:.0%})")
    print(f"{'metric':<44} {'old':>12} {'new':>12} {'change':>9}")
    for r in rows:
        mark = "  SLOWER" if r["flagged"] else ""
        print(f"{r['metric']:<44} {r['old']:>12.4g} {r['new']:>12.4g} {r['worse_by']:>+8.0%} worse{mark}"
              if r["worse_by"] > 0 else
              f"{r['metric']:<44} {r['old']:>12.4g} {r['new']:>12.4g} {-r['worse_by']:>+8.0%} better")
    for k in only:
        print(f"{k:<44} (in one file only)")
    flagged = [r["metric"] for r in rows if r["flagged"]]
    if flagged:
        print(f"\n{len(flagged)} metric(s) worse by more than {args.threshold:.0%}: {', '.join(flagged)}")
        return 1
    print("\nno metric worse by more than the threshold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
