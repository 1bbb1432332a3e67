"""Profile one default run with pyinstrument (what to optimise, before optimising it).

    python experiments/bench/profile_run.py [--scenario badia_2017] [--with-imports]

Writes results/profile-<commit>.txt (the call tree) and prints it. By default the profile covers
load + build + run + saving the run directory, with `sim` already imported; --with-imports profiles
the import too (pass it to see where the ~1.4 s of `import sim` goes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from pyinstrument import Profiler
from run import RESULTS, git_commit

from sim.io.atomic import write_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="badia_2017")
    parser.add_argument("--with-imports", action="store_true", help="include `import sim` in the profile")
    args = parser.parse_args(argv)
    profiler = Profiler(interval=0.001)
    if args.with_imports:
        profiler.start()
    import sim

    if not args.with_imports:
        profiler.start()
    result = sim.run(sim.load(args.scenario))
    with tempfile.TemporaryDirectory() as tmp:
        result.save(Path(tmp) / "run")
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    commit, _ = git_commit()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"profile-{commit}.txt"
    write_text(out, text)
    print(text)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
