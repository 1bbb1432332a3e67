"""Profile one default run with pyinstrument (what to optimise, before optimising it).

    python experiments/bench/profile_run.py [--scenario badia_2017] [--days N] [--with-imports] [--out DIR]

Writes results/profile-<commit>.txt (the call tree) and prints it. By default the profile covers
load + build + run + saving the run directory, with `sim` already imported; --with-imports profiles
the import too (pass it to see where the ~1.4 s of `import sim` goes).

pyinstrument comes with the dev extra (`.venv/bin/pip install -e ".[dev]"`). Without it the script says so and
profiles with the standard library's cProfile instead (the calls with the most cumulative time, in
results/profile-<commit>-cprofile.txt): a flat list rather than a call tree, but enough to see where time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from run import RESULTS, git_commit

from sim.io.atomic import write_text

CPROFILE_LINES = 40  # calls listed by the cProfile fallback


def profiler_or_none() -> type | None:
    """pyinstrument's Profiler, or None when it is not installed."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    return Profiler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="badia_2017")
    parser.add_argument("--days", type=int, default=None, help="days to run (default: the scenario's window)")
    parser.add_argument("--with-imports", action="store_true", help="include `import sim` in the profile")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory of the profile file (default: results)")
    args = parser.parse_args(argv)

    def work() -> None:
        import sim

        result = sim.run(sim.load(args.scenario), days=args.days)
        with tempfile.TemporaryDirectory() as tmp:
            result.save(Path(tmp) / "run")

    if not args.with_imports:
        import sim  # noqa: F401 - imported before the profile starts

    profiler = profiler_or_none()
    if profiler is not None:
        text, suffix = pyinstrument_profile(profiler, work), ""
    else:
        print("pyinstrument is not installed (it comes with the dev extra: .venv/bin/pip install -e \".[dev]\"); "
              f"profiling with cProfile instead: the {CPROFILE_LINES} calls with the most cumulative time.",
              file=sys.stderr)
        text, suffix = cprofile_profile(work), "-cprofile"
    commit, _ = git_commit()
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"profile-{commit}{suffix}.txt"
    write_text(out, text)
    print(text)
    print(f"wrote {out}")
    return 0


def pyinstrument_profile(profiler: type, work: Callable[[], None]) -> str:
    """The call tree of `work()` as pyinstrument prints it."""
    p = profiler(interval=0.001)
    p.start()
    work()
    p.stop()
    return p.output_text(unicode=False, color=False, show_all=False)


def cprofile_profile(work: Callable[[], None]) -> str:
    """The calls of `work()` with the most cumulative time, as cProfile's statistics print them."""
    prof = cProfile.Profile()
    prof.runcall(work)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("cumulative").print_stats(CPROFILE_LINES)
    return buf.getvalue()


if __name__ == "__main__":
    sys.exit(main())
