"""Designs: the parameter points of an experiment, their replicates, and every run's own seed.

Points come from a full factorial over listed values, a Latin hypercube or a scrambled Sobol sequence
(scipy.stats.qmc), or SALib's Saltelli / Morris samplers when the experiment is meant for Sobol or Morris
indices. Each run draws its seed from the master seed through `numpy.random.SeedSequence.spawn`, so seeds are
distinct, reproducible, and independent of how many workers run them or in which order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.batch.experiment import Experiment, Parameter

# Children of the master SeedSequence, by purpose: sampling the design, seeding the runs, calibration stages.
DESIGN_STREAM, RUN_STREAM, ABC_STREAM = 0, 1, 2


@dataclass(frozen=True)
class RunSpec:
    """One run of a batch: its id, design point, replicate number, seed and parameter values."""

    run_id: int
    point: int
    replicate: int
    seed: int
    params: dict[str, Any]


def stream(master_seed: int, purpose: int, *sub: int) -> np.random.SeedSequence:
    """An independent SeedSequence for one purpose (and optional sub-keys) of an experiment's master seed."""
    return np.random.SeedSequence(master_seed, spawn_key=(purpose, *sub))


def seed_of(ss: np.random.SeedSequence) -> int:
    """A non-negative 63-bit integer seed from a SeedSequence (fits int64 columns and JSON)."""
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def problem(params: tuple[Parameter, ...] | list[Parameter]) -> dict[str, Any]:
    """The SALib problem dict of ranged parameters (log ranges are sampled in log space)."""
    bounds = [[float(np.log(p.low)), float(np.log(p.high))] if p.log else [p.low, p.high] for p in params]
    return {"num_vars": len(params), "names": [p.name for p in params], "bounds": bounds}


def from_unit(params: tuple[Parameter, ...] | list[Parameter], unit: np.ndarray) -> list[dict[str, Any]]:
    """Map points of the unit cube to parameter values (linear or log ranges, integers rounded)."""
    rows = []
    for u in np.atleast_2d(unit):
        row: dict[str, Any] = {}
        for p, x in zip(params, u, strict=True):
            if p.log:
                v = float(np.exp(np.log(p.low) + x * (np.log(p.high) - np.log(p.low))))
            else:
                v = float(p.low + x * (p.high - p.low))
            v = min(max(v, p.low), p.high)  # float round-off (exp of log) must not step outside the range
            row[p.name] = int(round(v)) if p.integer else v
        rows.append(row)
    return rows


def from_problem_space(params: tuple[Parameter, ...], x: np.ndarray) -> list[dict[str, Any]]:
    """Map SALib samples (in the problem's bounds, log ranges in log space) to parameter values."""
    prob = problem(params)
    lo = np.array([b[0] for b in prob["bounds"]])
    hi = np.array([b[1] for b in prob["bounds"]])
    return from_unit(params, (np.atleast_2d(x) - lo) / (hi - lo))


def design_points(exp: Experiment) -> list[dict[str, Any]]:
    """The experiment's parameter points, in a fixed order (point index = position)."""
    params = exp.parameters
    rng_seed = int(stream(exp.seed, DESIGN_STREAM).generate_state(1)[0])
    if exp.kind == "ensemble":
        return [{}]
    if exp.kind == "factorial":
        names = [p.name for p in params]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(p.values for p in params))]
    if exp.kind == "lhs":
        unit = qmc.LatinHypercube(d=len(params), seed=np.random.default_rng(rng_seed)).random(exp.samples)
        return from_unit(params, unit)
    if exp.kind == "sobol":
        sampler = qmc.Sobol(d=len(params), scramble=True, seed=np.random.default_rng(rng_seed))
        return from_unit(params, sampler.random_base2(int(np.log2(exp.samples))))
    if exp.kind == "saltelli":
        from SALib.sample import sobol as saltelli

        x = saltelli.sample(problem(params), exp.samples, calc_second_order=False, seed=rng_seed)
        return from_problem_space(params, x)
    if exp.kind == "morris":
        from SALib.sample import morris

        x = morris.sample(problem(params), exp.samples, num_levels=exp.levels, seed=rng_seed)
        return from_problem_space(params, x)
    raise ValueError(f"unknown design kind {exp.kind!r}")  # experiment validation makes this unreachable


def run_specs(points: list[dict[str, Any]], replicates: int, seeds: np.random.SeedSequence,
              common_seeds: bool = False) -> list[RunSpec]:
    """Every run: point-major ids (run_id = point * replicates + replicate), one spawned seed per run.

    With `common_seeds`, replicate r of every point shares a seed (common random numbers): differences
    between points are then due to the parameters, not the dice, which sharpens sweeps and sensitivity.
    """
    n = len(points) * replicates
    children = seeds.spawn(replicates if common_seeds else n)
    out = []
    for i, params in enumerate(points):
        for r in range(replicates):
            run_id = i * replicates + r
            ss = children[r] if common_seeds else children[run_id]
            out.append(RunSpec(run_id=run_id, point=i, replicate=r, seed=seed_of(ss), params=dict(params)))
    assert len(out) == n
    return out


def experiment_runs(exp: Experiment) -> list[RunSpec]:
    """All runs of a (non-calibration) experiment."""
    return run_specs(design_points(exp), exp.replicates, stream(exp.seed, RUN_STREAM), exp.common_seeds)
