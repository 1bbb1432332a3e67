"""The batch subcommands of `badia`: batch, summarize, sensitivity, calibrate, hindcast.

Each follows the CLI's conventions: bad input raises a BadiaError subclass (exit code 2, one paragraph, no
traceback); results are written atomically into a directory that a rerun of the same command resumes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sim.argtypes import iso_date, positive_int, scheduler_address
from sim.errors import ScenarioError, UsageError
from sim.extras import require


def _default_out(kind: str, name: str) -> Path:
    return Path("runs") / f"{kind}-{name}-{datetime.now():%Y%m%d-%H%M%S}"


def _out_dir(args: argparse.Namespace, kind: str, name: str, resumable: Callable[[Path], bool]) -> Path:
    """The --out directory of a batch command (or its default), checked before any run starts: it must be
    writable and new, empty, or one this command wrote (`resumable` says so: then it is resumed)."""
    from sim.io.atomic import check_output_dir

    out = Path(args.out) if args.out is not None else _default_out(kind, name)
    check_output_dir(args.out if args.out is not None else out, "--out", force=None, accept=resumable)
    return out


def _is_batch(path: Path) -> bool:
    from sim.batch.store import BatchStore

    return BatchStore(path).is_batch()


def _is_calibration(path: Path) -> bool:
    return (path / "gen-0").is_dir() or (path / "calibration.json").is_file()


def _batch_dir(path: str) -> tuple[Path, dict]:
    """A batch directory given to summarize or sensitivity, and its manifest: anything else (a run directory,
    a calibration's directory, ...) is a BatchError naming it, before anything is written."""
    from sim.batch.store import BatchStore

    root = Path(path)
    return root, BatchStore(root).require_batch()


def _load(name: str):  # noqa: ANN202 - Experiment
    from sim.batch.experiment import load_experiment

    return load_experiment(name)


def cmd_batch(args: argparse.Namespace) -> int:
    require("batch", "`badia batch`")
    if args.scheduler:
        require("dask", "`badia batch --scheduler`")
    from sim.batch.design import experiment_runs
    from sim.batch.execute import run_batch

    exp = _load(args.experiment)
    if exp.calibration is not None:
        raise UsageError(str(exp.path), "calibration", "an experiment with a [design] for `badia batch`",
                         None, f"This is a calibration experiment: run `badia calibrate {args.experiment}`.")
    out = _out_dir(args, "batch", exp.name, _is_batch)  # a batch directory is resumed (if it is this batch's)
    specs = experiment_runs(exp)
    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{args.workers or 'all'} local worker(s)"
    print(f"Batch {exp.name}: {len(specs)} runs of {exp.scenario_name} ({exp.kind} design, "
          f"{len(specs) // exp.replicates} point(s) x {exp.replicates} replicate(s), {exp.days} days) on {where}\n"
          f"Writing to {out}/ (interrupted? rerun with --out {out} to resume)", file=sys.stderr)
    res = run_batch(exp, out, specs=specs, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet)
    skipped = f", {res.skipped} already done" if res.skipped else ""
    print(f"{res.ok} ok, {res.failed} failed of {res.total} runs{skipped}; {res.wall_seconds:.1f} s. "
          f"Results in {out}/ (runs.parquet, curves/*.parquet). Next: badia summarize {out}")
    return 0 if res.failed == 0 else 1


def cmd_summarize(args: argparse.Namespace) -> int:
    require("batch", "`badia summarize`")
    from sim.batch.summary import summarize_batch
    from sim.cli import format_table

    root, _ = _batch_dir(args.dir)
    tables = summarize_batch(root, args.claims)
    runs = tables["runs"]
    ok = int((runs["status"] == "ok").sum())
    print(f"{root}: {ok} successful runs, {len(runs) - ok} failed")
    outcomes = tables["outcomes"]
    if len(outcomes):
        q = outcomes["outcome"].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).to_numpy()
        print(f"Outcome (see manifest 'outcome'): median {q[2]:,.0f}, 50% band {q[1]:,.0f}-{q[3]:,.0f}, "
              f"90% band {q[0]:,.0f}-{q[4]:,.0f}")
    scores = tables["claims"]
    if scores is not None:
        rows = [[r.date, r.faction, r.measure, r.claimed, f"{r.low:,.0f}-{r.high:,.0f}", r.median,
                 f"{r.p05:,.0f}-{r.p95:,.0f}", f"{100 * r.share_in_range:.0f}%", f"{r.percentile_of_claim:.0f}",
                 r.crps, r.crps_range] for r in scores.itertuples()]
        print()
        print(format_table(rows, ["date", "faction", "measure", "claimed", "range", "median", "90% band",
                                  "in range", "pctile", "CRPS", "CRPS range"]))
    caps = tables.get("captures")
    if caps is not None and len(caps):
        print()
        print(capture_score_table(caps))
    if tables.get("later_claims"):
        print(f"\n{tables['later_claims']} claim(s) dated after the batch's last day are not scored: run longer "
              "(experiment `days`) to score them.")
    written = "summary.csv, summary.html" + (", claims.csv" if scores is not None else "") + (
        ", captures.csv" if caps is not None else "")
    print(f"\nWrote {root}/ ({written}, runs.parquet)")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    require("batch", "`badia sensitivity`")
    from sim.batch import plots
    from sim.batch.sensitivity import analyze, index_columns
    from sim.cli import format_table
    from sim.io.atomic import write_text
    from sim.io.claims import read_claims

    root, manifest = _batch_dir(args.dir)
    claims_path = args.claims or manifest.get("claims")
    claims = read_claims(claims_path) if claims_path else None
    table, method = analyze(root, claims)
    cols, errs = index_columns(method)
    present = [c for c in cols if c in table.columns]
    rows = [[r["output"], r["parameter"], *[_num(r.get(c)) for c in present],
             *[_num(r.get(e)) for e in errs if e and e in table.columns]] for _, r in table.iterrows()]
    heads = ["output", "parameter", *present, *[e for e in errs if e and e in table.columns]]
    out = manifest.get("outcome") or {}
    print(f"{method} indices; outcome = {out.get('faction')} {out.get('measure')} on "
          f"{out.get('date') or 'the last day'}; claim_error = mean relative distance to the claimed ranges")
    print(format_table(rows, heads))
    write_text(root / "sensitivity.csv", table.to_csv(index=False, float_format="%.5f", lineterminator="\n"))
    fig = plots.bars_figure(table, present, [e if e in table.columns else None for e in errs],
                            f"{method} sensitivity indices")
    write_text(root / "sensitivity.html", plots.html_page(f"Sensitivity: {manifest.get('experiment')}",
                                                          [("Indices", fig), ("Table", plots.table_html(table))]))
    print(f"\nWrote {root}/sensitivity.csv and {root}/sensitivity.html")
    return 0


def _num(v: object) -> str:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "" if v is None else str(v)
    return "n/a" if f != f else f"{f:.3f}"


def cmd_calibrate(args: argparse.Namespace) -> int:
    require("batch", "`badia calibrate`")
    from sim.batch.abc import calibrate
    from sim.cli import format_table

    exp = _load(args.experiment)
    if exp.calibration is None:
        raise ScenarioError(str(exp.path), "calibration", "a [calibration] table for `badia calibrate`", None,
                            "Add [calibration] (method, samples, accept) and [[parameters]] with low/high.")
    out = _out_dir(args, "calibrate", exp.name, _is_calibration)
    print(f"Calibrating {exp.name}: {exp.calibration.method} ABC of {', '.join(exp.parameter_names)} against "
          f"{args.claims or exp.claims}\nWriting to {out}/ (interrupted? rerun with --out {out} to resume)",
          file=sys.stderr)
    res = calibrate(exp, out, workers=args.workers, scheduler=args.scheduler, claims_path=args.claims,
                    progress=not args.quiet)
    print(f"Accepted {len(res.accepted)} parameter sets; tolerance by generation: "
          + ", ".join(f"{e:.4f}" for e in res.epsilons))
    rows = [[r.parameter, f"{r.prior_low:g}-{r.prior_high:g}", _num(r.mean), _num(r.sd), _num(r.median),
             f"{_num(r.p05)}-{_num(r.p95)}"] for r in res.posterior.itertuples()]
    print(format_table(rows, ["parameter", "prior", "mean", "sd", "median", "90% interval"]))
    s = res.claim_scores
    rows = [[r.date, r.faction, r.claimed, f"{r.low:,.0f}-{r.high:,.0f}", r.median, f"{r.p05:,.0f}-{r.p95:,.0f}",
             f"{100 * r.share_in_range:.0f}%", r.crps_range] for r in s.itertuples()]
    print("\nCalibrated ensemble against the claims:")
    print(format_table(rows, ["date", "faction", "claimed", "range", "median", "90% band", "in range",
                              "CRPS range"]))
    if res.capture_scores is not None and len(res.capture_scores):
        print()
        print(capture_score_table(res.capture_scores))
    print(f"\nWrote {out}/ (accepted.csv, posterior.csv, calibrated_claims.csv, calibrated_summary.csv, "
          f"calibration.json, calibration.html; runs in gen-*/)")
    return 0


def capture_score_table(caps) -> str:  # noqa: ANN001 - a DataFrame of sim.batch.summary.score_captures
    """The dated-capture scores of an ensemble as a text table."""
    from sim.cli import format_table, shorten

    rows = [[r.place, r.claimed if r.date_low == r.date_high else f"{r.date_low} to {r.date_high}",
             r.median_date or "after the run", f"{r.p05_date or '-'} to {r.p95_date or 'after'}",
             f"{100 * r.share_in_range:.0f}%", f"{100 * r.never:.0f}%", _num(r.mean_abs_days), _num(r.crps_days),
             shorten(r.source, 40)] for r in caps.sort_values("claimed", kind="stable").itertuples()]
    return ("Dated captures (days: mean |days outside the reported dates|; CRPS of the date, in days):\n"
            + format_table(rows, ["place", "reported", "median", "90% band", "in range", "not taken", "days",
                                  "CRPS", "source"]))


def cmd_hindcast(args: argparse.Namespace) -> int:
    require("batch", "`badia hindcast`")
    from sim.batch.hindcast import hindcast
    from sim.cli import format_table, shorten

    exp = _load(args.experiment)
    out = _out_dir(args, "hindcast", exp.name, _is_calibration)
    print(f"Hindcast {exp.name}: fit on the claims up to {args.split}, forecast {args.days or exp.days} days, "
          f"score the claims after it\nWriting to {out}/ (interrupted? rerun with --out {out} to resume)",
          file=sys.stderr)
    res = hindcast(exp, out, args.split, days=args.days, workers=args.workers, scheduler=args.scheduler,
                   claims_path=args.claims, progress=not args.quiet)
    rows = [[r.parameter, f"{r.prior_low:g}-{r.prior_high:g}", _num(r.median), f"{_num(r.p05)}-{_num(r.p95)}"]
            for r in res.calibration.posterior.itertuples()]
    print(f"Fitted on {len(res.fitted)} claims up to {res.split}; posterior:")
    print(format_table(rows, ["parameter", "prior", "median", "90% interval"]))
    if len(res.area_scores):
        rows = [[r.date, r.faction, r.measure, f"{r.low:,.0f}-{r.high:,.0f}", r.median,
                 f"{r.p05:,.0f}-{r.p95:,.0f}", f"{100 * r.share_in_range:.0f}%", _num(r.crps_range),
                 shorten(r.source, 40)] for r in res.area_scores.itertuples()]
        print("\nHeld-out areas:")
        print(format_table(rows, ["date", "faction", "measure", "range", "median", "90% band", "in range",
                                  "CRPS range", "source"]))
    if len(res.capture_scores):
        print()
        print(capture_score_table(res.capture_scores))
        within = int(res.capture_errors["in_window"].sum())
        print(f"\nMedian absolute error over the {within} held-out captures dated within the forecast: "
              f"{_num(res.median_abs_days)} days; over all {len(res.capture_errors)} held-out captures (later ones "
              f"included): {_num(res.median_abs_days_all)} days. Each capture's error is the ensemble median of "
              f"|days outside the reported dates|.")
    print(f"\nWrote {out}/ (hindcast.html, hindcast.json, hindcast_areas.csv, hindcast_captures.csv, "
          f"hindcast_errors.csv; the calibration beside them)")
    return 0


def _add_exec_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", help="output directory, new or empty; rerun with the same --out to resume")
    p.add_argument("--workers", type=positive_int, help="local worker processes (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", type=scheduler_address,
                   help="run on a Dask cluster: PROTOCOL://HOST:PORT, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the batch subcommands to the `badia` parser."""
    from sim.cli import day_count
    b = subparsers.add_parser("batch", help="run an experiment's runs (ensemble, sweep, sensitivity design)")
    b.add_argument("experiment", help="experiment name (experiments/NAME.toml) or path to a .toml file")
    _add_exec_flags(b)
    b.set_defaults(func=cmd_batch)
    s = subparsers.add_parser("summarize", help="ensemble bands and claim scores of a batch directory")
    s.add_argument("dir", help="batch directory")
    s.add_argument("--claims", help="claims CSV (default: the experiment's or scenario's)")
    s.set_defaults(func=cmd_summarize)
    v = subparsers.add_parser("sensitivity", help="Sobol, Morris or RBD-FAST indices of a batch (SALib)")
    v.add_argument("dir", help="batch directory of a saltelli, morris or other sampled design")
    v.add_argument("--claims", help="claims CSV for the claim-error output (default: the experiment's)")
    v.set_defaults(func=cmd_sensitivity)
    c = subparsers.add_parser("calibrate", help="fit parameters to reported claims by ABC")
    c.add_argument("experiment", help="calibration experiment name or path")
    c.add_argument("--claims", help="claims CSV (default: the experiment's or scenario's)")
    _add_exec_flags(c)
    c.set_defaults(func=cmd_calibrate)
    h = subparsers.add_parser("hindcast", help="fit on the claims up to a date, score the forecast on the later ones")
    h.add_argument("experiment", help="calibration experiment name or path")
    h.add_argument("--split", required=True, type=iso_date, help="last date of the claims to fit on, e.g. 2017-05-27")
    h.add_argument("--days", type=day_count, help="days to forecast from the start (default: the experiment's)")
    h.add_argument("--claims", help="claims CSV (default: the experiment's or scenario's)")
    _add_exec_flags(h)
    h.set_defaults(func=cmd_hindcast)
