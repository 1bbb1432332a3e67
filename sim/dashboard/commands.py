"""`badia dashboard` and `badia lessons`: the subcommands this subsystem adds to the CLI."""

from __future__ import annotations

import argparse

from sim.errors import UsageError
from sim.extras import require


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, found {text!r}") from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"expected a port number between 1 and 65535, found {value}")
    return value


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard until interrupted."""
    from pathlib import Path

    require("dashboard", "`badia dashboard`")
    require("batch", "`badia dashboard` (it reads batch directories)")
    from sim.dashboard.app import create_app

    runs = Path(args.runs)
    if runs.exists() and not runs.is_dir():
        raise UsageError("--runs", "runs", "a directory", str(runs), "A file with that name exists.")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {args.host}: anyone who can reach this address can run scenarios")
    print(f"Badia dashboard on http://{args.host}:{args.port}/ (runs directory: {runs.resolve()}); Ctrl-C stops it")
    create_app(runs).run(host=args.host, port=args.port, debug=False)
    return 0


def cmd_lessons(args: argparse.Namespace) -> int:
    """List the lessons, one line each."""
    from sim.dashboard.lesson_catalog import lessons

    for i, les in enumerate(lessons(), start=1):
        print(f"{i}. {les.slug:<26} {les.title} — {les.summary()}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `dashboard` and `lessons` to the `badia` command line."""
    dash = subparsers.add_parser("dashboard", help="explore runs, batches and lessons in the browser")
    dash.add_argument("--runs", default="runs", help="runs directory to serve (saved runs and batches; default: runs)")
    dash.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    dash.add_argument("--port", type=_port, default=8050, help="port (default: 8050)")
    dash.set_defaults(func=cmd_dashboard)
    les = subparsers.add_parser("lessons", help="list the lessons (scenarios/lessons/)")
    les.set_defaults(func=cmd_lessons)
