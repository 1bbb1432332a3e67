"""Experiment files: a scenario, fixed overrides, a design over named parameters, a master seed.

The keys, types, defaults and bounds are declared once, in `sim.formats.experiment`. Experiments are
validated like scenarios: every problem is a `ScenarioError` naming the file, the key path,
what was expected, what was found and, for typos, a 'did you mean'. Parameter names are dotted override
keys of the scenario (`control.zoc_km`, `factions.government.doctrine.aggression`); each is checked by
loading the scenario with the parameter at its extremes, so a misspelt key or an out-of-range value is
reported before a single run starts.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sim import catalog
from sim.errors import ScenarioError, did_you_mean
from sim.formats import experiment as fx
from sim.formats.errors import validate
from sim.formats.experiment import ABC_METHODS, DESIGN_KINDS  # noqa: F401 - re-exported
from sim.formats.experiment import OUTCOME_MEASURES as MEASURES  # noqa: F401 - re-exported


@dataclass(frozen=True)
class Parameter:
    """One varied scenario key: listed values (factorial) or a range [low, high] (sampled designs, priors)."""

    name: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False


@dataclass(frozen=True)
class Outcome:
    """The scalar a sweep, a sensitivity analysis or a plot reports: one faction's measure on one date."""

    faction: str
    measure: str
    date: str | None  # ISO date; None = the last day of the run


@dataclass(frozen=True)
class Calibration:
    """Approximate Bayesian computation settings (see sim.batch.abc)."""

    method: str
    samples: int  # rejection: draws from the prior; smc: proposals per generation
    accept: float  # share of draws accepted (rejection) or kept per generation (smc)
    replicates: int  # runs per parameter set; the distance is their mean
    generations: int  # smc only
    predictive: int  # runs of the posterior predictive ensemble (0: use the accepted runs)
    claims_until: str | None  # fit only the claims dated up to this day (ISO); later ones are held out


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file."""

    name: str
    title: str
    path: Path
    sha256: str
    scenario_path: Path
    scenario_name: str
    scenario_sha256: str
    days: int
    start: str  # ISO date of day 0
    seed: int
    overrides: dict[str, Any]
    kind: str
    replicates: int
    samples: int
    levels: int
    common_seeds: bool
    parameters: tuple[Parameter, ...]
    outcome: Outcome
    claims: str | None
    calibration: Calibration | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def parameter_names(self) -> list[str]:
        return [p.name for p in self.parameters]


def experiment_dirs() -> list[Path]:
    """Where experiments are looked up by name: ./experiments and the repository's experiments/."""
    dirs = [Path.cwd() / "experiments", Path(__file__).resolve().parents[2] / "experiments"]
    out: list[Path] = []
    for d in dirs:
        if d.is_dir() and all(d.resolve() != o.resolve() for o in out):
            out.append(d)
    return out


def resolve_experiment(name_or_path: str) -> Path:
    """A path from an experiment file path or a shipped experiment name (`badia_ensemble`)."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise ScenarioError(str(p), "", "an existing experiment file", None, "The file does not exist.")
        return p
    known: dict[str, Path] = {}
    for d in experiment_dirs():
        for f in sorted(d.glob("*.toml")):
            known.setdefault(f.stem, f)
    if name_or_path in known:
        return known[name_or_path]
    hint = did_you_mean(name_or_path, known) or f"Shipped experiments: {', '.join(known) or 'none'}."
    raise ScenarioError(name_or_path, "", "an experiment name or a path to a .toml file", None, hint)


def load_experiment(name_or_path: str | Path, check_keys: bool = True) -> Experiment:
    """Read and validate an experiment file; `check_keys` also loads the scenario at each parameter's extremes."""
    path = resolve_experiment(str(name_or_path))
    src = str(path)
    data = path.read_bytes()
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ScenarioError(src, "", "a UTF-8 text file", None, str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(src, "", "valid TOML", None, f"Malformed TOML: {exc}") from None
    raw, odd_kind = _calibration_design_kind(raw, src)
    spec: fx.ExperimentFile = validate(fx.ExperimentFile, raw, src)
    head = spec.experiment
    name = path.stem if head.name is None else head.name
    scenario_path = _scenario_path(head.scenario, src, path.parent)
    sc = _load_scenario(scenario_path, {}, src, "experiment.scenario")
    days = sc.meta.days if head.days is None else head.days
    overrides = _flatten(spec.overrides)
    parameters = _parameters(spec.parameters, src)
    calibration = _calibration(spec.calibration) if spec.calibration is not None else None
    if spec.design is None and calibration is None:
        raise ScenarioError(src, "design", "a table", None, "The table is missing.")
    design = spec.design or fx.Design()
    kind_given = spec.design is not None and "kind" in spec.design.model_fields_set
    kind = odd_kind or ("prior" if calibration is not None and not kind_given else design.kind)
    _check_design(kind, parameters, design.samples, src, calibration)
    claims = head.claims
    if claims is not None:
        claims = str((path.parent / claims).resolve())
        if not Path(claims).is_file():
            raise ScenarioError(src, "experiment.claims",
                                "the path of an existing claims CSV (relative to the experiment file)", claims)
    else:
        claims = sc.meta.claims
    outcome = _outcome(spec.outcome, src, sc, claims, days)
    if calibration is not None and claims is None:
        raise ScenarioError(src, "calibration", "a claims file to calibrate against", None,
                            "Set experiment.claims or use a scenario whose scenario.claims names one.")
    exp = Experiment(name=name, title=name if head.title is None else head.title, path=path.resolve(),
                     sha256=hashlib.sha256(data).hexdigest(), scenario_path=scenario_path.resolve(),
                     scenario_name=sc.meta.name, scenario_sha256=sc.sha256, days=days,
                     start=sc.meta.start.date().isoformat(), seed=head.seed, overrides=overrides, kind=kind,
                     replicates=design.replicates, samples=design.samples, levels=design.levels,
                     common_seeds=design.common_seeds, parameters=parameters, outcome=outcome, claims=claims,
                     calibration=calibration, raw=raw)
    if check_keys:
        check_parameters(exp)
    return exp


def _calibration_design_kind(raw: dict[str, Any], src: str) -> tuple[dict[str, Any], str | None]:
    """With [calibration], [design] is not used and its `kind` was never checked: keep reading any value.

    Such a kind is taken out before validation (so the file still loads) and kept as the experiment's kind,
    with a warning, since it names no design.
    """
    design = raw.get("design")
    if "calibration" not in raw or not isinstance(design, dict) or "kind" not in design \
            or design["kind"] in DESIGN_KINDS:
        return raw, None
    warnings.warn(f"{src}: design.kind = {design['kind']!r} is not a design kind ({', '.join(DESIGN_KINDS)}); "
                  "it is ignored, since [calibration] does not use [design]", UserWarning, stacklevel=3)
    return {**raw, "design": {k: v for k, v in design.items() if k != "kind"}}, design["kind"]


def _scenario_path(ref: str, src: str, base_dir: Path) -> Path:
    candidate = base_dir / ref
    if ref.endswith(".toml") or os.sep in ref or "/" in ref:
        if candidate.is_file():
            return candidate
        if Path(ref).is_file():
            return Path(ref)
        raise ScenarioError(src, "experiment.scenario",
                            "a shipped scenario name or a scenario file (relative to the experiment)", ref,
                            "The file does not exist.")
    shipped = catalog.shipped()
    if ref in shipped:
        return shipped[ref]
    hint = did_you_mean(ref, shipped) or f"Shipped scenarios: {', '.join(shipped)}."
    raise ScenarioError(src, "experiment.scenario", "a shipped scenario name or a scenario file", ref, hint)


def _load_scenario(path: Path, overrides: dict[str, Any], src: str, key: str):  # noqa: ANN202 - Scenario
    from sim.scenario import load_scenario

    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        raise ScenarioError(src, key, "settings the scenario accepts", exc.found,
                            f"Loading {path.name} failed: {exc}") from None


def _flatten(table: dict[str, Any]) -> dict[str, Any]:
    """Nested override tables as dotted keys: {'control': {'zoc_km': 5}} -> {'control.zoc_km': 5}."""
    out: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else k, v)
        else:
            out[prefix] = value

    walk("", table)
    return out


def _parameters(specs: list[fx.Parameter], src: str) -> tuple[Parameter, ...]:
    params: list[Parameter] = []
    for i, p in enumerate(specs):
        key = f"parameters[{i}]"
        if any(q.name == p.name for q in params):
            raise ScenarioError(src, f"{key}.name", "a parameter named once", p.name, "The name is used twice.")
        if (p.low is None) != (p.high is None):
            raise ScenarioError(src, f"{key}.{'high' if p.high is None else 'low'}",
                                "both 'low' and 'high' for a range", None)
        if p.low is not None and not p.low < p.high:
            raise ScenarioError(src, f"{key}.high", f"a number above low ({p.low:g})", p.high)
        if p.values is None and p.low is None:
            raise ScenarioError(src, f"{key}.values", "either 'values = [...]' or a range 'low'/'high'", None)
        if p.log and p.low is not None and p.low <= 0:
            raise ScenarioError(src, f"{key}.low", "a number > 0 for a log-scaled range", p.low)
        params.append(Parameter(name=p.name, values=p.values, low=p.low, high=p.high, log=p.log, integer=p.integer))
    return tuple(params)


def _check_design(kind: str, params: tuple[Parameter, ...], samples: int, src: str,
                  calibration: Calibration | None) -> None:
    if kind == "ensemble" and params:
        raise ScenarioError(src, "design.kind",
                            "a design that varies parameters (factorial, lhs, sobol, saltelli or morris)", kind,
                            "An ensemble varies only the seed; remove [[parameters]] or change the kind.")
    if kind != "ensemble" and not params:
        raise ScenarioError(src, "parameters", f"at least one [[parameters]] table for a '{kind}' design", None)
    for i, p in enumerate(params):
        key = f"parameters[{i}]"
        if kind == "factorial" and p.values is None:
            raise ScenarioError(src, f"{key}.values", "a list of values for a factorial design", None,
                                f"Parameter '{p.name}' has a range; list the values to cross.")
        if (kind in ("lhs", "sobol", "saltelli", "morris") or calibration is not None) and p.low is None:
            raise ScenarioError(src, f"{key}.low", f"a range low/high for a '{kind}' design", None,
                                f"Parameter '{p.name}' lists values; give low and high instead.")
    if kind in ("lhs", "sobol", "saltelli", "morris") and samples < 1:
        raise ScenarioError(src, "design.samples", f"a whole number >= 1 of samples for a '{kind}' design",
                            samples or None)
    if kind == "sobol" and samples & (samples - 1):
        raise ScenarioError(src, "design.samples", "a power of two for a Sobol design (its balance properties need it)",
                            samples, f"Try {1 << (samples - 1).bit_length()} or {1 << (samples.bit_length() - 1)}.")


def _calibration(c: fx.Calibration) -> Calibration:
    return Calibration(method=c.method, samples=c.samples, accept=c.accept, replicates=c.replicates,
                       generations=c.generations, predictive=c.predictive,
                       claims_until=None if c.claims_until is None else c.claims_until.date().isoformat())


def _outcome(o: fx.Outcome, src: str, sc: Any, claims: str | None, days: int) -> Outcome:
    ids = [f.id for f in sc.factions]
    faction = o.faction
    if faction is None:
        faction = ids[0]
        if claims is not None:
            from sim.io.claims import read_claims

            table = read_claims(claims)
            if len(table):
                faction = str(table["faction"].iloc[0])
    if faction not in ids:
        raise ScenarioError(src, "outcome.faction", "a faction id of the scenario", faction, did_you_mean(faction, ids))
    when = None
    if o.date is not None:
        day = o.date.date()
        first = sc.meta.start.date()
        last = date.fromordinal(first.toordinal() + days)
        if not first <= day <= last:
            raise ScenarioError(src, "outcome.date", f"a date within the run ({first} to {last})", day.isoformat())
        when = day.isoformat()
    return Outcome(faction=faction, measure=o.measure, date=when)


def parameter_probes(p: Parameter) -> list[Any]:
    """The values of a parameter worth checking: every listed value, or both ends of its range."""
    if p.values is not None:
        return list(p.values)
    lo, hi = (round(p.low), round(p.high)) if p.integer else (p.low, p.high)
    return [lo, hi]


def check_parameters(exp: Experiment) -> None:
    """Load the scenario with the fixed overrides, then with each parameter at each probe value."""
    src = str(exp.path)
    _load_scenario(exp.scenario_path, exp.overrides, src, "overrides")
    for i, p in enumerate(exp.parameters):
        for v in parameter_probes(p):
            _load_scenario(exp.scenario_path, {**exp.overrides, p.name: v}, src, f"parameters[{i}] ({p.name} = {v})")
