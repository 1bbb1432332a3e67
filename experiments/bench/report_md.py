"""Turn a results dict into the targets verdict and a markdown table (results/latest.md)."""

from __future__ import annotations

from typing import Any

# (label, metric key, statistic, comparison, limit, unit). Judged on the median of the runs.
TARGETS: tuple[tuple[str, str, str, str, float, str], ...] = (
    # The issue defines start-up as "load scenario, rasterise, build the model": the whole run is that
    # plus the window's 80 steps, timed in a fresh process once the libraries are imported.
    ("Whole default run: load + rasterise + build + 80 steps (fresh process)", "scaling_baseline_load_build_run_s",
     "median", "<", 1.5, "s"),
    ("Start-up: load + rasterise + build (fresh process)", "startup_fresh_load_build_s", "median", "<", 0.5, "s"),
    ("1 km cells: load + rasterise + build + 80 steps (fresh process)", "scaling_cells_x4_load_build_run_s",
     "median", "<", 6.0, "s"),
    ("Peak memory of one default run (RSS of badia run)", "cli_run_peak_rss_mb", "median", "<", 400.0, "MB"),
    ("Peak memory of one 1 km run (RSS)", "scaling_cells_x4_peak_rss_mb", "median", "<", 400.0, "MB"),
    ("Speed-up per control step over naive Mesa", "reference_speedup_x", "median", ">=", 100.0, "x"),
    # Strict reading: also the interpreter, importing the libraries (Mesa alone: import_mesa_alone_s) and,
    # for badia run, writing the run directory with report.html.
    ("Strict: whole `badia run` process incl. imports and writing the run directory", "cli_run_wall_s",
     "median", "<", 1.5, "s"),
    ("Strict: start-up incl. interpreter and imports", "startup_fresh_process_s", "median", "<", 0.5, "s"),
    ("Strict: 1 km whole process incl. imports", "scaling_cells_x4_process_wall_s", "median", "<", 6.0, "s"),
)


def is_metric(value: Any) -> bool:
    return isinstance(value, dict) and "median" in value and "unit" in value


def targets(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with the measured value and whether it is met (None when not measured)."""
    out = []
    for label, key, stat, op, limit, unit in TARGETS:
        m = metrics.get(key)
        value = m[stat] if is_metric(m) else None
        met = None if value is None else (value < limit if op == "<" else value >= limit)
        out.append({"target": label, "metric": key, "limit": f"{op} {limit:g} {unit}", "value": value, "met": met})
    return out


def _fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "not measured"
    if unit in ("s",) and abs(v) < 0.1:
        return f"{v * 1000:.2f} ms"
    if unit == "s":
        return f"{v:.3f} s"
    return f"{v:,.1f} {unit}".strip()


def markdown(results: dict[str, Any]) -> str:
    """The results as markdown: context, targets, every metric (min / median / max), growth, imports."""
    env = results["environment"]
    lines = [f"# Benchmark results, commit {results['commit']}{' (uncommitted changes)' if results['dirty'] else ''}",
             "",
             f"{results['date']} · Python {env['python']} · mesa {env['mesa']} · numpy {env['numpy']} · "
             f"{env['cpus']} CPUs · load average before/after: {env['load_before']} / {env['load_after']} · "
             f"mode: {results['mode']} (repeat {results['repeat']})",
             "", f"Command: `{results['command']}`", "", "## Targets", "",
             "| target | limit | measured (median) | met |", "|---|---|---|---|"]
    for t in results["targets"]:
        unit = t["limit"].split()[-1]
        met = "—" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {t['limit']} | {_fmt(t['value'], unit)} | {met} |")
    lines += ["", "## Metrics", "", "| metric | min | median | max | n | note |", "|---|---|---|---|---|---|"]
    for key, m in results["metrics"].items():
        if is_metric(m):
            u = m["unit"]
            lines.append(f"| {key} | {_fmt(m['min'], u)} | {_fmt(m['median'], u)} | {_fmt(m['max'], u)} | "
                         f"{m['n']} | {m.get('note', '')} |")
    growth = results["metrics"].get("scaling_growth")
    if growth:
        lines += ["", "## Scaling (build + run, relative to the 2 km baseline)", "",
                  "| case | grows | size x | time x | exponent (1 = linear) |", "|---|---|---|---|---|"]
        for key, g in growth.items():
            lines.append(f"| {key} | {g['grows']} | {g['factor']:g} | {g['time_ratio']:.2f} | {g['exponent']} |")
    by_pkg = results["metrics"].get("import_self_by_package_s")
    if by_pkg:
        lines += ["", "## Import time by package (self time under -X importtime, median)", "",
                  "| package | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in by_pkg.items()]
    mesa_parts = results["metrics"].get("import_mesa_subtree_by_package_s")
    if mesa_parts:
        lines += ["", "What `import mesa` pulls in (self time of each package imported during it, median): "
                  + ", ".join(f"{k} {v:.3f} s" for k, v in mesa_parts.items()) + "."]
    mism = results["metrics"].get("reference_mismatched_steps")
    if mism:
        lines += ["", f"Naive Mesa vs engine control maps: {mism['value']} of {mism['of']} steps differ."]
    if results.get("errors"):
        lines += ["", "## Suites that failed", ""] + [f"- {k}: {v}" for k, v in results["errors"].items()]
    return "\n".join(lines) + "\n"
