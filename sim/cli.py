"""The `badia` command line: run, validate, map, list and compare scenarios.

Bad input (a scenario, a flag, a claims file) is reported as one paragraph on stderr with exit code 2;
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sim.argtypes import host_name, seed_int, whole_number
from sim.errors import BadiaError, ScenarioError, UsageError
from sim.limits import MAX_DAYS  # the longest run: the same bound as sim.run(days=) and experiments

if TYPE_CHECKING:
    import pandas as pd

    from sim.rundata import Run

EXIT_BAD_INPUT = 2
day_count = whole_number(1, MAX_DAYS)  # the argparse type of every --days flag


def format_table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    # numbers are right-aligned; a column with any word in it (names, sources, dates) is left-aligned
    numeric = [i > 0 and all(_numeric(r[i]) for r in cells[1:]) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if numeric[i] else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _numeric(text: str) -> bool:
    return text.replace(",", "").replace(".", "").replace("-", "").replace("+", "").replace("%", "").isdigit() \
        or text in ("n/a", "")


def _fmt(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return "n/a" if v != v else f"{v:,.0f}"
    return str(v)


def _progress(day: int, days: int) -> None:
    bar = "#" * int(30 * day / days)
    end = "\n" if day == days else ""
    print(f"\r  day {day:>4}/{days} [{bar:<30}]", end=end, file=sys.stderr, flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    import time

    from sim import api, catalog
    from sim.io.atomic import check_output_dir
    from sim.io.rundir import FILES
    from sim.scenario import parse_assignments

    started = time.perf_counter()
    overrides = parse_assignments(args.set or [])
    path = catalog.resolve(args.scenario)
    sc = api.load(path, overrides)
    days = args.days or sc.meta.days
    claims = _claims_for(sc.meta.claims, [p.name for p in sc.places])
    out = Path(args.out) if args.out is not None else Path("runs") / f"{sc.meta.name}-{datetime.now():%Y%m%d-%H%M%S}"
    check_output_dir(args.out if args.out is not None else out, "--out", force=args.force)  # before the run
    print(f"Running {sc.meta.name} ({sc.meta.title}), seed {args.seed if args.seed is not None else sc.meta.seed}, "
          f"{days} days from {sc.meta.start:%Y-%m-%d}", file=sys.stderr)
    run = api.run(sc, seed=args.seed, days=days, progress=None if args.quiet else _progress, overrides=overrides)
    run.save(out, claims=claims)
    print(summary_text(run))
    if claims is not None:
        print()
        print(comparison_text(run, claims))
    print(f"\nWrote {out}/ ({', '.join(FILES)}). The run took {run.wall_seconds:.1f} s; loading, running and "
          f"writing, {time.perf_counter() - started:.1f} s.")
    return 0


def _claims_for(path: str | None, places: list[str] | None = None):  # noqa: ANN202 - a DataFrame or None
    if path is None:
        return None
    from sim.io.claims import check_places, read_claims

    claims = read_claims(path)
    if places is not None:
        check_places(claims, places, str(path))
    return claims


def shorten(text: str, width: int = 60) -> str:
    """Cut a text at a word boundary to at most `width` characters, marking the cut with '…'."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[:width - 1].rsplit(" ", 1)[0].rstrip(",;:(")
    return cut + "…"


def summary_text(run: Run) -> str:
    """Km² per faction at start and end, and the places that changed hands."""
    curves = run.curves
    first, last = curves[curves["day"] == 0], curves[curves["day"] == curves["day"].max()]
    rows = []
    for fid in run.factions:
        a0 = float(first[first["faction"] == fid]["area_km2"].iloc[0])
        a1 = float(last[last["faction"] == fid]["area_km2"].iloc[0])
        rows.append([run.names.get(fid, fid), a0, a1, a1 - a0])
    text = [f"Territory, {run.dates[0]} to {run.dates[-1]} (km²):",
            format_table(rows, ["faction", "start", "end", "gain"])]
    captured = run.events[run.events["kind"] == "captured"]
    changed = []
    for p in run.places.itertuples():
        before, after = int(run.owner[0, p.row, p.col]), int(run.owner[-1, p.row, p.col])
        if before != after:
            when = captured.loc[captured["place"] == p.name, "time"]
            changed.append([p.name, p.kind, run.factions[before] if before >= 0 else "-",
                            run.factions[after] if after >= 0 else "-", str(when.iloc[-1])[:10] if len(when) else ""])
    text.append("")
    if changed:
        changed.sort(key=lambda row: (row[4] or "9999", row[0]))  # by date, then name
        text.append("Places and resources that changed hands:")
        text.append(format_table(changed, ["place", "kind", "from", "to", "on"]))
    else:
        text.append("No place changed hands.")
    return "\n".join(text)


def comparison_text(run: Run, claims: pd.DataFrame) -> str:
    """The area claims against the run's curves, and the capture claims against its events, as tables.

    Claims dated after the run's last day are counted, not shown, unless the run already made the capture
    (a capture made early is news).
    """
    from sim.compare import compare_run, reported_dates, verdict, within_run
    from sim.io.claims import area_claims
    from sim.measures import COUNTING

    end = run.dates[-1]
    parts = []
    areas = area_claims(claims)
    later = int((areas["date"] > end).sum())
    cmp, caps = compare_run(run, claims[(claims["measure"] == "captured") | (claims["date"] <= end)])
    if len(cmp):
        rows = [[r.date, r.faction, r.measure, COUNTING[r.measure], r.claimed, f"{r.low:,.0f}-{r.high:,.0f}",
                 r.simulated, r.difference, r.in_range, shorten(r.source)] for r in cmp.itertuples()]
        inside = int(cmp["in_range"].sum())
        parts.append(f"Against reported claims ({inside} of {len(cmp)} in range):\n"
                     + format_table(rows, ["date", "faction", "measure", "counted", "claimed", "range",
                                           "simulated", "diff", "in range", "source"]))
    shown = within_run(caps, end)
    later += len(caps) - len(shown)
    if len(shown):
        shown = shown.sort_values(["claimed", "place"], kind="stable")
        rows = [[r.place, r.faction, reported_dates(r.claimed, r.date_low, r.date_high), r.simulated or f"not by {end}",
                 verdict(r.status, r.days_off, end, as_days=True), shorten(r.source, 48)] for r in shown.itertuples()]
        inside = int((shown["status"] == "in range").sum())
        parts.append(f"Dated captures ({inside} of {len(shown)} in the reported range; "
                     f"days early (-) or late (+) against the range):\n"
                     + format_table(rows, ["place", "by", "reported", "simulated", "days off", "source"]))
    if later:
        parts.append(f"{later} more claim(s) are dated after {end}, the run's last day: run longer (--days) to "
                     "set the run against them.")
    return "\n\n".join(parts)


def file_format(path: Path) -> str:
    """Which format a .toml file is written in: 'experiment' (an [experiment] table), 'lesson' (a [lesson]
    table) or 'scenario' (anything else, including files that do not parse: the scenario loader names the
    problem)."""
    import tomllib

    try:
        top = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "scenario"
    return next((kind for kind in ("experiment", "lesson") if isinstance(top.get(kind), dict)), "scenario")


def cmd_validate(args: argparse.Namespace) -> int:
    """Check each file; a scenario's warnings (sim.checks) follow its summary as `warning:` lines on stdout."""
    from sim import catalog

    for f in args.files:
        path = catalog.resolve(f)
        kind = file_format(path) if path.is_file() else "scenario"
        warnings: list = []
        if kind == "scenario":
            summary, warnings = _validate_scenario(path)
        else:
            summary = {"experiment": _validate_experiment, "lesson": _validate_lesson}[kind](path)
        print(f"{f}: ok — {summary}" + (f"; {plural(len(warnings), 'warning')}:" if warnings else ""))
        print_warnings(f, warnings)
    return 0


def print_warnings(source: str, warnings: Sequence[object]) -> None:
    """One `warning: SOURCE: KEY: MESSAGE` line per warning, on stdout (after what the command reports)."""
    for w in warnings:
        print(f"warning: {source}: {w}")


def _validate_scenario(path: Path) -> tuple[str, list]:
    from sim.checks import scenario_warnings
    from sim.model import ConflictModel
    from sim.scenario import load_scenario
    from sim.world.world import build_world

    sc = load_scenario(path)
    world = build_world(sc)
    extra = "".join(f", {plural(n, what)}" for n, what in ((len(sc.orders), "order"), (len(sc.barriers), "barrier"))
                    if n)
    if len(world.locality_names):
        extra += ", 1 locality" if len(world.locality_names) == 1 else f", {len(world.locality_names):,} localities"
    summary = (f"{sc.meta.name}: {plural(len(sc.factions), 'faction')}, {plural(len(sc.units), 'unit')}, "
               f"{plural(len(sc.places), 'place')}, {plural(len(sc.roads), 'road')}{extra}; grid "
               f"{world.shape[0]}x{world.shape[1]} of {world.grid.cell_km:g} km, region {world.region_area_km2:,.0f} km²")
    return summary, scenario_warnings(sc, ConflictModel(sc, world=world))


def _validate_experiment(path: Path) -> str:
    from sim.batch.experiment import load_experiment

    exp = load_experiment(path)
    params = ", ".join(exp.parameter_names) or "none"
    return (f"experiment {exp.name}: scenario {exp.scenario_name}, design {exp.kind}, {exp.days} days, "
            f"parameters: {params}")


def _validate_lesson(path: Path) -> str:
    from sim.dashboard.lesson_catalog import read_lesson

    if path.name != "lesson.toml":
        raise UsageError(str(path), "", "a lesson's lesson.toml (in the lesson's directory, beside lesson.md)",
                         path.name)
    les = read_lesson(path.parent)
    return f"lesson {les.slug}: {les.title!r}, {les.summary()}"


def cmd_map(args: argparse.Namespace) -> int:
    """Draw a scenario's starting situation (HTML, and PNG with the dashboard extra), print each faction's
    starting ground and the scenario's warnings. Nothing is run: the model is built at step 0."""
    from sim import api, catalog
    from sim.checks import scenario_warnings, supply_reach
    from sim.extras import MissingExtraError, require
    from sim.io.atomic import check_output_dir, write_text
    from sim.rundata import Run
    from sim.scenario import parse_assignments
    from sim.viz.preview import preview_html, preview_spec, start_table

    overrides = parse_assignments(args.set or [])
    sc = api.load(catalog.resolve(args.scenario), overrides)
    out = Path(args.out) if args.out is not None else Path("maps") / f"{sc.meta.name}-{datetime.now():%Y%m%d-%H%M%S}"
    check_output_dir(args.out if args.out is not None else out, "--out", force=args.force)  # before any work
    model = api.build_model(sc)
    reach = supply_reach(model)
    run = Run.from_model(model, overrides)
    warnings = scenario_warnings(sc, model)
    headers, rows = start_table(model, reach)
    fig = preview_spec(run, model, reach)
    title = f"{sc.meta.title or sc.meta.name}: the situation at the start, {run.dates[0]}"
    html_path, png_path = out / f"{sc.meta.name}-start.html", out / f"{sc.meta.name}-start.png"
    write_text(html_path, preview_html(fig, headers, rows, warnings, title))
    written, note = [html_path.name], ""
    try:
        require("dashboard", "The PNG of `badia map`")
        from sim.dashboard.exports import ExportError, png_bytes
    except MissingExtraError as exc:
        note = f"No PNG written: {exc}"
    else:
        import plotly.graph_objects as go

        from sim.io.atomic import write_with

        try:
            image = png_bytes(go.Figure(fig), width=args.width, height=round(args.width * 0.9))
        except ExportError as exc:
            note = f"No PNG written: {exc}"
        else:
            write_with(png_path, lambda tmp: tmp.write_bytes(image))
            written.append(png_path.name)
    print(f"{sc.meta.name} ({sc.meta.title}) at the start, {run.dates[0]}; region {run.region_km2:,.0f} km²:")
    print(format_table(rows, headers))
    if warnings:
        print(f"\n{plural(len(warnings), 'warning')}:")
        print_warnings(str(args.scenario or sc.meta.name), warnings)
    print(f"\nWrote {out}/ ({', '.join(written)}).")
    if note:
        print(note)
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from sim import catalog

    for name, path in catalog.shipped().items():
        _, title = catalog.describe(path)
        default = " (default)" if name == catalog.DEFAULT_SCENARIO else ""
        print(f"{name:<24} {title}{default}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.compare import check_claims_fit_run
    from sim.io.rundir import read_run

    run_dir = Path(args.run_dir)
    run = read_run(run_dir)
    claims_path = args.claims or run.meta.claims
    if not claims_path:
        raise UsageError(str(run_dir), "claims", "a claims CSV (the scenario names none)", None,
                         "Give one: badia compare RUN_DIR CLAIMS.csv")
    check_text_file(claims_path, "a claims CSV file")
    claims = _claims_for(claims_path)
    check_claims_fit_run(run, claims, str(claims_path), str(run_dir))
    print(comparison_text(run, claims))
    return 0


def check_text_file(path: str | Path, expected: str) -> None:
    """Refuse, before reading it, a path that is not a text file: missing, a directory, a device or a binary file
    (the message names the path and what it is, never the file's contents)."""
    p = Path(path)
    found = None
    if not p.exists():
        found = "nothing (it does not exist)"
    elif p.is_dir():
        found = "a directory"
    elif not p.is_file():
        found = "a special file (a device, pipe or socket)"
    else:
        try:
            with open(p, "rb") as fh:
                head = fh.read(4096)
        except OSError as exc:
            raise ScenarioError(str(p), "", expected, None, f"It cannot be read: {exc.strerror or exc}.") from None
        if b"\0" in head:
            found = "a binary file"
    if found is not None:
        raise ScenarioError(str(p), "", expected, found)


def check_serve_address(host: str, port: int) -> None:
    """Check that a server can listen on `host`:`port` (--host, --port) before it starts: a UsageError naming the
    flag when the host is malformed or does not resolve, or the port is taken or not allowed."""
    import socket

    try:
        host_name(host)
    except argparse.ArgumentTypeError:
        raise UsageError("--host", "", "a host name or IP address such as 127.0.0.1, localhost or 0.0.0.0",
                         shorten(host)) from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UsageError("--host", "", "a host name or IP address of this machine", host,
                         f"It does not resolve: {getattr(exc, 'strerror', None) or exc}.") from None
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
            probe.bind(address)
    except OSError as exc:
        import errno

        flag, what = (("--port", port) if exc.errno in (errno.EADDRINUSE, errno.EACCES) else ("--host", host))
        raise UsageError(flag, "", f"an address this machine can serve on ({host}:{port})", what,
                         f"It cannot be used: {exc.strerror or exc}.") from None


def cmd_schema(args: argparse.Namespace) -> int:
    """Print or write the JSON Schema of a file format, for editors (see docs/scenario-format.md)."""
    from sim.formats.jsonschema import schema_text

    text = schema_text(args.kind)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError("--out", "out", "a writable file path", str(out), str(exc)) from None
    print(f"Wrote the {args.kind} JSON Schema to {out}", file=sys.stderr)
    return 0


def version_text() -> str:
    """'badia 0.1.0 (mesa 3.3.1, Python 3.11.7)': what `badia --version` prints, read without importing Mesa."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from sim import __version__

    try:
        mesa = version("mesa")
    except PackageNotFoundError:  # pragma: no cover - mesa is a core dependency
        mesa = "not installed"
    return f"badia {__version__} (mesa {mesa}, Python {platform.python_version()})"


def plural(n: int, word: str) -> str:
    """'1 faction', '2 factions'."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="badia", description="Badia: run conflict scenarios, set them against reported claims, run batches "
        "of them and explore them in a dashboard.",
        epilog="`badia COMMAND --help` describes a command's arguments. Batches, calibration and the dashboard need "
               "their extras (README, Quick start); a command whose extra is missing says which to install.")
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    run = sub.add_parser("run", help="run a scenario and write its run directory")
    run.add_argument("scenario", nargs="?", help="shipped scenario name or path to a .toml file (default: badia_2017)")
    run.add_argument("--seed", type=seed_int, help="random seed (default: the scenario's)")
    run.add_argument("--days", type=day_count, help=f"days to run, 1 to {MAX_DAYS} (default: the scenario's window)")
    run.add_argument("--out", help="output directory, new or empty (default: runs/<scenario>-<timestamp>)")
    run.add_argument("--force", action="store_true",
                     help="write into an --out directory that holds files (the run's files in it are replaced)")
    run.add_argument("--set", action="append", metavar="KEY=VALUE",
                     help="override a scenario key, e.g. --set combat.aimed_rate=0.04 (repeatable)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=cmd_run)
    val = sub.add_parser("validate", help="check scenario, experiment and lesson files (paths or shipped names)")
    val.add_argument("files", nargs="+", metavar="FILE",
                     help="a scenario file or shipped name, an experiment file (an [experiment] table) or a "
                          "lesson.toml")
    val.set_defaults(func=cmd_validate)
    mp = sub.add_parser("map", help="draw a scenario's starting situation (HTML and PNG), print each faction's "
                                     "starting km² and the scenario's warnings")
    mp.add_argument("scenario", nargs="?", help="shipped scenario name or path to a .toml file (default: badia_2017)")
    mp.add_argument("--out", help="output directory, new or empty (default: maps/<scenario>-<timestamp>)")
    mp.add_argument("--force", action="store_true", help="write into an --out directory that holds files")
    mp.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="override a scenario key, e.g. --set control.zoc_km=5 (repeatable)")
    mp.add_argument("--width", type=whole_number(400, 4000), default=1100,
                    help="width of the PNG in pixels, 400 to 4000 (default: 1100; the height is 0.9 of it)")
    mp.set_defaults(func=cmd_map)
    lst = sub.add_parser("scenarios", help="list the shipped scenarios")
    lst.set_defaults(func=cmd_scenarios)
    cmp = sub.add_parser("compare", help="compare a run with reported claims")
    cmp.add_argument("run_dir")
    cmp.add_argument("claims", nargs="?", help="claims CSV (default: the scenario's)")
    cmp.set_defaults(func=cmd_compare)
    sch = sub.add_parser("schema", help="print the JSON Schema of scenario, experiment or lesson files (for editors)")
    sch.add_argument("--kind", choices=("scenario", "experiment", "lesson"), default="scenario",
                     help="which file format (default: scenario)")
    sch.add_argument("--out", help="write it to this file instead of printing it")
    sch.set_defaults(func=cmd_schema)
    for module in COMMAND_MODULES:
        _register(module, sub)
    return parser


# Subsystems that sit around the core (batches, dashboard) add their own subcommands: each module has
# `register(subparsers)` adding parsers whose `func(args) -> int` follows the same error conventions.
COMMAND_MODULES = ("sim.batch.commands", "sim.dashboard.commands")


def _register(module: str, sub: argparse._SubParsersAction) -> None:
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if module.startswith(str(exc.name)):  # that subsystem is not part of this build
            return
        raise
    mod.register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `badia` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "host", None) is not None and getattr(args, "port", None) is not None:  # a server's flags
            check_serve_address(args.host, args.port)
        return args.func(args)
    except BadiaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a filesystem or network error at the edges no check above caught: still one paragraph
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
