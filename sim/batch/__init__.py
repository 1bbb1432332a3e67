"""Scenario batches: ensembles, sweeps, sensitivity and calibration, on a process pool or a Dask cluster.

An experiment file (`experiments/*.toml`, see docs/batches.md) names a scenario, fixed overrides, a design
over named parameters and a master seed. `run_batch` turns it into runs, executes them on an evaluator and
streams each finished run to a batch directory (see `sim.batch.store`) that survives kills and resumes.
"""

from sim.batch.design import RunSpec, design_points, run_specs
from sim.batch.execute import run_batch
from sim.batch.experiment import Experiment, load_experiment

__all__ = ["Experiment", "RunSpec", "design_points", "load_experiment", "run_batch", "run_specs"]
