"""Run a real study and measure it: a Sobol (Saltelli) design over the parameters of experiments/badia_study.toml,
run through the normal batch machinery (`badia batch` in a subprocess), then `badia sensitivity` on it.

    python experiments/bench/study.py --runs 2000 --workers 2 [--out runs/badia-study]

Records the wall time, runs per minute and the memory (VmRSS, and the peak VmHWM) of the batch's parent and of
every process under it, sampled every --every seconds. Writes results/study-<commit>-<runs>.json and a plot of
memory over time to docs/study-memory.png.

`--runs R` sets the design's base samples N = R // (D + 2) (first-order and total indices need N x (D + 2) runs
for D parameters), so the study has about R runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent.parent
RESULTS = BENCH_DIR / "results"
EXPERIMENT = REPO / "experiments" / "badia_study.toml"
PLOT = REPO / "docs" / "study-memory.png"


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (MB) of a process; {} if it is gone."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line[:5]] = int(line.split()[1]) // 1024
    except OSError:
        return {}
    return out


def _children() -> dict[int, int]:
    """pid -> parent pid of every process on the machine."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            parents[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
    return parents


def process_tree(root: int) -> list[tuple[int, int]]:
    """(pid, parent pid) of the root and all its descendants."""
    parents = _children()
    tree, frontier = [(root, parents.get(root, 0))], [root]
    while frontier:
        level = [(p, pp) for p, pp in parents.items() if pp in frontier]
        tree += level
        frontier = [p for p, _ in level]
    return tree


def _role(pid: int, ppid: int, root: int) -> str:
    """parent (the batch's own process), resource_tracker, forkserver (other children of the parent) or worker."""
    if pid == root:
        return "parent"
    if ppid != root:
        return "worker"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    return "resource_tracker" if "resource_tracker" in cmd else "forkserver"


class Sampler(threading.Thread):
    """Samples the memory of a process tree every `every` seconds until stopped."""

    def __init__(self, root: int, every: float) -> None:
        super().__init__(daemon=True)
        self.root, self.every = root, every
        self.samples: list[dict[str, Any]] = []  # {t, pid, role, rss_mb, hwm_mb}
        self._done = threading.Event()
        self.t0 = time.perf_counter()

    def run(self) -> None:
        while not self._done.is_set():
            t = round(time.perf_counter() - self.t0, 1)
            for pid, ppid in process_tree(self.root):
                st = _status(pid)
                if st:
                    role = _role(pid, ppid, self.root)
                    self.samples.append({"t": t, "pid": pid, "role": role, "rss_mb": st.get("VmRSS", 0),
                                         "hwm_mb": st.get("VmHWM", 0)})
            self._done.wait(self.every)

    def stop(self) -> None:
        self._done.set()
        self.join()


def write_experiment(runs: int, dest: Path) -> tuple[Path, int, int]:
    """A copy of badia_study.toml whose samples give about `runs` runs; (path, N, planned runs)."""
    text = EXPERIMENT.read_text()
    d = len(re.findall(r"^\[\[parameters\]\]", text, flags=re.M))
    n = max(1, runs // (d + 2))
    text = re.sub(r"^samples = \d+", f"samples = {n}", text, count=1, flags=re.M)
    path = dest / "badia_study.toml"
    path.write_text(text)
    return path, n, n * (d + 2)


def summarise(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Per process: role, first and last RSS after its first minute, peak RSS and high-water mark."""
    per: dict[int, list[dict[str, Any]]] = {}
    for s in samples:
        per.setdefault(s["pid"], []).append(s)
    out = {}
    for pid, ss in per.items():
        ss = [s for s in ss if s["role"] == ss[-1]["role"]]  # a process that forked a moment ago had its parent's role
        settled = [s for s in ss if s["t"] >= ss[0]["t"] + 60] or ss
        out[str(pid)] = {"role": ss[0]["role"], "start_s": ss[0]["t"], "end_s": ss[-1]["t"],
                         "rss_first_mb": ss[0]["rss_mb"], "rss_after_1min_mb": settled[0]["rss_mb"],
                         "rss_last_mb": ss[-1]["rss_mb"], "rss_peak_mb": max(s["rss_mb"] for s in ss),
                         "hwm_mb": max(s["hwm_mb"] for s in ss),
                         "growth_after_1min_mb": ss[-1]["rss_mb"] - settled[0]["rss_mb"]}
    return out


def plot(samples: list[dict[str, Any]], title: str, path: Path) -> None:
    """Memory of each process of the batch over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2), dpi=100)
    per: dict[int, list[dict[str, Any]]] = {}
    for s in samples:
        per.setdefault(s["pid"], []).append(s)
    for pid, ss in sorted(per.items(), key=lambda kv: kv[1][0]["role"]):
        if ss[0]["role"] in ("parent", "worker"):
            ax.plot([s["t"] / 60 for s in ss], [s["rss_mb"] for s in ss], lw=1.2,
                    label=f"{ss[0]['role']} {pid}")
    ax.set_xlabel("minutes")
    ax.set_ylabel("RSS (MB)")
    ax.set_ylim(bottom=0)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Run the study, then the sensitivity analysis; write the JSON and the plot."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000, help="about this many runs (default 2000)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default="runs/badia-study", help="batch directory (replaced)")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between memory samples")
    parser.add_argument("--plot", default=str(PLOT))
    args = parser.parse_args(argv)

    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    work = Path(f"{out}.experiment")
    work.mkdir(parents=True, exist_ok=True)
    exp, n, planned = write_experiment(args.runs, work)
    cmd = [sys.executable, "-m", "sim", "batch", str(exp), "--out", str(out), "--workers", str(args.workers),
           "--quiet"]
    print(" ".join(cmd), f"# N = {n}, {planned} runs", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO)
    sampler = Sampler(proc.pid, args.every)
    sampler.start()
    rc = proc.wait()
    sampler.stop()
    wall = time.perf_counter() - t0
    done = len(list((out / "curves").glob("*.parquet"))) if (out / "curves").is_dir() else 0  # an interrupted batch

    t1 = time.perf_counter()
    sens = subprocess.run([sys.executable, "-m", "sim", "sensitivity", str(out)], cwd=REPO,
                          capture_output=True, text=True)
    sens_wall = time.perf_counter() - t1
    print(sens.stdout[-3000:], sens.stderr[-2000:], flush=True)

    procs = summarise(sampler.samples)
    workers = [p for p in procs.values() if p["role"] == "worker"]
    sys.path.insert(0, str(BENCH_DIR))
    from run import git_commit

    commit, dirty = git_commit()
    result = {
        "command": " ".join(["python", "experiments/bench/study.py", "--runs", str(args.runs),
                             "--workers", str(args.workers)]),
        "commit": commit, "dirty": dirty, "cpus": os.cpu_count(), "workers": args.workers,
        "base_samples": n, "runs_planned": planned, "runs": done, "batch_exit": rc,
        "wall_s": round(wall, 1), "runs_per_min": round(done / wall * 60, 1),
        "s_per_run_per_worker": round(wall * args.workers / max(done, 1), 3),
        "extrapolated_10000_runs_min": round(10000 / max(done, 1) * wall / 60, 1),
        "load_average": os.getloadavg(),
        "sensitivity_exit": sens.returncode, "sensitivity_wall_s": round(sens_wall, 1),
        "sensitivity_output": sens.stdout[-4000:],
        "parent_peak_rss_mb": max((p["rss_peak_mb"] for p in procs.values() if p["role"] == "parent"), default=0),
        "worker_peak_rss_mb": max((p["rss_peak_mb"] for p in workers), default=0),
        "worker_growth_after_1min_mb": max((p["growth_after_1min_mb"] for p in workers), default=0),
        "processes": procs, "samples": sampler.samples,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"study-{commit}-{planned}.json"
    path.write_text(json.dumps(result, indent=1))
    plot(sampler.samples, f"badia_study: {done} runs on {args.workers} workers, {wall / 60:.1f} min", Path(args.plot))
    print(json.dumps({k: v for k, v in result.items() if k not in ("samples", "processes", "sensitivity_output")},
                     indent=1))
    print(f"wrote {path} and {args.plot}")
    return 0 if rc == 0 and sens.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
