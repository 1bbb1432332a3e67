"""Compare two benchmark results files and flag every metric more than 20% worse.

    python experiments/bench/compare.py results/OLD.json results/NEW.json [--threshold 0.2]

Compares medians metric by metric, in each metric's own better direction (time and memory: lower is
better; runs per minute and speed-up: higher is better). Exit code 1 if any metric regressed by more
than the threshold, 0 otherwise; metrics present in only one file are listed, not judged.

Files measured differently cannot be compared: a quick run (run.py --quick: 2 repeats, 5-day runs) against a
full one, or one scenario against another. compare.py refuses them (exit code 2) unless --mixed is given; then it
prints the table under a warning and flags nothing.
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


# What a results file records about how it was measured, and why a difference makes its medians incomparable.
SETTINGS = {
    "mode": "a quick run (2 repeats, 5-day runs) times less work than a full one",
    "scenario": "different scenarios do different work",
}


def mismatches(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """How two results files were measured differently (mode, scenario), one line each; [] if they agree.

    A setting one file does not record (older files have no mode) is not judged."""
    out = []
    for key, why in SETTINGS.items():
        a, b = old.get(key), new.get(key)
        if a is not None and b is not None and a != b:
            out.append(f"{key}: {a} (old) vs {b} (new): {why}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--threshold", type=float, default=0.2, help="flag metrics worse by more (default 0.2)")
    parser.add_argument("--mixed", action="store_true",
                        help="compare files measured differently (quick against full): show, flag nothing")
    args = parser.parse_args(argv)
    old = json.loads(args.old.read_text(encoding="utf-8"))
    new = json.loads(args.new.read_text(encoding="utf-8"))
    differ = mismatches(old, new)
    if differ and not args.mixed:
        print(f"error: {args.old} and {args.new} were measured differently, so their medians cannot be compared:\n  "
              + "\n  ".join(differ) + "\nCompare two full runs (or two quick ones), or pass --mixed to see the "
              "numbers side by side without any verdict.", file=sys.stderr)
        return 2
    rows, only = compare(old, new, args.threshold)
    if differ:
        print("WARNING: measured differently, nothing is flagged (--mixed):\n  " + "\n  ".join(differ) + "\n")
        for r in rows:
            r["flagged"] = False
    print(f"{old.get('commit')} ({old.get('mode', 'mode not recorded')}) -> {new.get('commit')} "
          f"({new.get('mode', 'mode not recorded')}) (medians; flag when worse by > {args.threshold:.0%})")
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
