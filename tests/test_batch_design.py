"""Experiment files and designs: validation errors, point counts and ranges, per-run seeds."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from sim.batch.design import design_points, experiment_runs, run_specs, stream
from sim.batch.experiment import load_experiment
from sim.cli import main
from sim.errors import ScenarioError

BASE = """
[experiment]
name = "t"
scenario = "corridor"
days = 3
seed = 5
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    p = tmp_path / name
    p.write_text(BASE + text, encoding="utf-8")
    return p


@pytest.mark.slow
def test_shipped_experiments_load() -> None:
    for name in ("badia_ensemble", "badia_sweep", "badia_sensitivity", "badia_calibration", "corridor_sweep"):
        exp = load_experiment(name)
        assert exp.scenario_name in ("badia_2017", "corridor")
    assert len(experiment_runs(load_experiment("badia_ensemble"))) >= 200


def test_factorial_counts_and_ids(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, """
[design]
kind = "factorial"
replicates = 3
[[parameters]]
name = "control.zoc_km"
values = [2.0, 4.0]
[[parameters]]
name = "factions.west.doctrine.aggression"
values = [0.2, 0.5, 0.9]
"""))
    runs = experiment_runs(exp)
    assert len(runs) == 2 * 3 * 3
    assert [r.run_id for r in runs] == list(range(18))
    combos = {tuple(r.params.values()) for r in runs}
    assert combos == {(z, a) for z in (2.0, 4.0) for a in (0.2, 0.5, 0.9)}
    assert all(r.run_id == r.point * 3 + r.replicate for r in runs)


@pytest.mark.parametrize("kind,samples,expected", [("lhs", 20, 20), ("sobol", 16, 16), ("saltelli", 8, 8 * 4),
                                                    ("morris", 5, 5 * 3)])
def test_sampled_designs_stay_in_range(tmp_path: Path, kind: str, samples: int, expected: int) -> None:
    exp = load_experiment(write(tmp_path, f"""
[design]
kind = "{kind}"
samples = {samples}
[[parameters]]
name = "control.zoc_km"
low = 2.0
high = 6.0
[[parameters]]
name = "combat.aimed_rate"
low = 0.01
high = 0.1
log = true
"""))
    pts = design_points(exp)
    assert len(pts) == expected
    z = np.array([p["control.zoc_km"] for p in pts])
    a = np.array([p["combat.aimed_rate"] for p in pts])
    assert z.min() >= 2.0 and z.max() <= 6.0 and a.min() >= 0.01 and a.max() <= 0.1
    if kind == "lhs":  # one point per stratum of each dimension
        strata = np.floor((z - 2.0) / 4.0 * samples).astype(int)
        assert sorted(strata) == list(range(samples))
        log_strata = np.floor(np.log(a / 0.01) / np.log(10) * samples).astype(int)
        assert sorted(log_strata) == list(range(samples))
    assert design_points(exp) == pts  # reproducible


def test_seeds_unique_reproducible_and_recorded(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, '[design]\nkind = "ensemble"\nreplicates = 500\n'))
    runs = experiment_runs(exp)
    seeds = [r.seed for r in runs]
    assert len(set(seeds)) == 500
    assert all(0 <= s < 2**63 for s in seeds)
    assert seeds == [r.seed for r in experiment_runs(exp)]
    other = experiment_runs(dataclasses.replace(exp, seed=6))
    assert not set(seeds) & {r.seed for r in other}
    # A run's seed depends on its id only, not on how many runs follow it.
    assert [r.seed for r in experiment_runs(dataclasses.replace(exp, replicates=10))] == seeds[:10]


def test_common_seeds_share_across_points() -> None:
    pts = [{"a": 1}, {"a": 2}, {"a": 3}]
    runs = run_specs(pts, 4, stream(1, 1), common_seeds=True)
    by_rep = {r: {s.seed for s in runs if s.replicate == r} for r in range(4)}
    assert all(len(v) == 1 for v in by_rep.values())
    assert len({next(iter(v)) for v in by_rep.values()}) == 4


@pytest.mark.parametrize("text,key,fragment", [
    ('[design]\nkind = "factorail"\n', "design.kind", "Did you mean 'factorial'"),
    ('[design]\nkind = "ensemble"\nreplicatse = 3\n', "design.replicatse", "Did you mean 'replicates'"),
    ('[design]\nkind = "lhs"\nsamples = 4\n[[parameters]]\nname = "control.zok_km"\nlow = 1.0\nhigh = 2.0\n',
     "parameters[0]", "zoc_km"),
    ('[design]\nkind = "lhs"\nsamples = 4\n[[parameters]]\nname = "control.zoc_km"\nlow = -3.0\nhigh = 2.0\n',
     "parameters[0]", "-3"),
    ('[design]\nkind = "sobol"\nsamples = 12\n[[parameters]]\nname = "control.zoc_km"\nlow = 1.0\nhigh = 2.0\n',
     "design.samples", "power of two"),
    ('[design]\nkind = "factorial"\n[[parameters]]\nname = "control.zoc_km"\nlow = 1.0\nhigh = 2.0\n',
     "parameters[0].values", "list the values"),
    ('[design]\nkind = "lhs"\nsamples = 4\n[[parameters]]\nname = "control.zoc_km"\nlow = 3.0\nhigh = 2.0\n',
     "parameters[0].high", "above low"),
])
def test_bad_experiments_name_key_and_hint(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_experiment(path)
    assert err.value.source == str(path)
    assert err.value.key.startswith(key)
    assert fragment in str(err.value)


def test_unknown_scenario_and_cli_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[experiment]\nscenario = "coridor"\nseed = 1\n[design]\nkind = "ensemble"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="Did you mean 'corridor'"):
        load_experiment(path)
    assert main(["batch", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "experiment.scenario" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_seed_is_required(tmp_path: Path) -> None:
    path = tmp_path / "e.toml"
    path.write_text('[experiment]\nscenario = "corridor"\n[design]\nkind = "ensemble"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="experiment.seed"):
        load_experiment(path)


def test_integer_parameters_are_rounded(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, """
[design]
kind = "lhs"
samples = 10
[[parameters]]
name = "units.west_armour.strength"
low = 400
high = 900
integer = true
"""))
    vals = [p["units.west_armour.strength"] for p in design_points(exp)]
    assert all(isinstance(v, int) for v in vals) and min(vals) >= 400 and max(vals) <= 900
    assert math.isclose(np.mean(vals), 650, rel_tol=0.1)
