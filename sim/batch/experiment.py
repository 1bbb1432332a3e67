"""Experiment files: a scenario, fixed overrides, a design over named parameters, a master seed.

Experiments are validated like scenarios: every problem is a `ScenarioError` naming the file, the key path,
what was expected, what was found and, for typos, a 'did you mean'. Parameter names are dotted override
keys of the scenario (`control.zoc_km`, `factions.government.doctrine.aggression`); each is checked by
loading the scenario with the parameter at its extremes, so a misspelt key or an out-of-range value is
reported before a single run starts.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sim import catalog
from sim.errors import ScenarioError, did_you_mean
from sim.scenario.reader import Table

TOP_KEYS = ("experiment", "overrides", "design", "parameters", "outcome", "calibration")
DESIGN_KINDS = ("ensemble", "factorial", "lhs", "sobol", "saltelli", "morris")
MEASURES = ("gained_km2", "area_km2", "locality_km2", "locality_gained_km2", "front_km", "strength", "units",
            "places_held")
ABC_METHODS = ("rejection", "smc")


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
    measure: str = "gained_km2"
    date: str | None = None  # ISO date; None = the last day of the run


@dataclass(frozen=True)
class Calibration:
    """Approximate Bayesian computation settings (see sim.batch.abc)."""

    method: str = "rejection"
    samples: int = 200  # rejection: draws from the prior; smc: proposals per generation
    accept: float = 0.1  # share of draws accepted (rejection) or kept per generation (smc)
    replicates: int = 1  # runs per parameter set; the distance is their mean
    generations: int = 3  # smc only
    predictive: int = 0  # runs of the posterior predictive ensemble (0: use the accepted runs)
    claims_until: str | None = None  # fit only the claims dated up to this day (ISO); later ones are held out


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
    top = Table(raw, src, "", TOP_KEYS)
    head = top.sub("experiment", ("name", "title", "scenario", "days", "seed", "claims"), required=True)
    name = head.string("name", path.stem)
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise head.fail("name", "an id of letters, digits, '_' or '-'", name)
    scenario_path = _scenario_path(head, path.parent)
    sc = _load_scenario(scenario_path, {}, src, "experiment.scenario")
    days = head.integer("days", sc.meta.days, lo=1)
    seed = head.integer("seed", lo=0)
    overrides = _overrides(top, src)
    parameters = _parameters(top, src)
    calibration = _calibration(top.sub("calibration", ("method", "samples", "accept", "replicates", "generations",
                                                       "predictive", "claims_until"))) if top.has("calibration") else None
    design = top.sub("design", ("kind", "replicates", "samples", "levels", "common_seeds"),
                     required=calibration is None)
    kind = design.string("kind", "ensemble" if calibration is None else "prior", choices=None)
    if calibration is None and kind not in DESIGN_KINDS:
        hint = did_you_mean(kind, DESIGN_KINDS) or f"Choose one of: {', '.join(DESIGN_KINDS)}."
        raise design.fail("kind", f"one of {', '.join(DESIGN_KINDS)}", kind, hint)
    replicates = design.integer("replicates", 1, lo=1)
    samples = design.integer("samples", 0, lo=0)
    levels = design.integer("levels", 4, lo=2)
    common = design.boolean("common_seeds", False)
    _check_design(kind, parameters, samples, design, top, calibration)
    claims = head.string("claims", None)
    if claims is not None:
        claims = str((path.parent / claims).resolve())
        if not Path(claims).is_file():
            raise head.fail("claims", "the path of an existing claims CSV (relative to the experiment file)", claims)
    else:
        claims = sc.meta.claims
    outcome = _outcome(top.sub("outcome", ("faction", "measure", "date")), sc, claims, days)
    if calibration is not None and claims is None:
        raise top.fail("calibration", "a claims file to calibrate against", None,
                       "Set experiment.claims or use a scenario whose scenario.claims names one.")
    exp = Experiment(name=name, title=head.string("title", name), path=path.resolve(),
                     sha256=hashlib.sha256(data).hexdigest(), scenario_path=scenario_path.resolve(),
                     scenario_name=sc.meta.name, scenario_sha256=sc.sha256, days=days,
                     start=sc.meta.start.date().isoformat(), seed=seed, overrides=overrides, kind=kind,
                     replicates=replicates, samples=samples, levels=levels, common_seeds=common,
                     parameters=parameters, outcome=outcome, claims=claims, calibration=calibration, raw=raw)
    if check_keys:
        check_parameters(exp)
    return exp


def _scenario_path(head: Table, base_dir: Path) -> Path:
    ref = head.string("scenario", catalog.DEFAULT_SCENARIO)
    candidate = base_dir / ref
    if ref.endswith(".toml") or os.sep in ref or "/" in ref:
        if candidate.is_file():
            return candidate
        if Path(ref).is_file():
            return Path(ref)
        raise head.fail("scenario", "a shipped scenario name or a scenario file (relative to the experiment)", ref,
                        "The file does not exist.")
    shipped = catalog.shipped()
    if ref in shipped:
        return shipped[ref]
    hint = did_you_mean(ref, shipped) or f"Shipped scenarios: {', '.join(shipped)}."
    raise head.fail("scenario", "a shipped scenario name or a scenario file", ref, hint)


def _load_scenario(path: Path, overrides: dict[str, Any], src: str, key: str):  # noqa: ANN202 - Scenario
    from sim.scenario import load_scenario

    try:
        return load_scenario(path, overrides)
    except ScenarioError as exc:
        raise ScenarioError(src, key, "settings the scenario accepts", exc.found,
                            f"Loading {path.name} failed: {exc}") from None


def _overrides(top: Table, src: str) -> dict[str, Any]:
    table = top.sub("overrides")
    out: dict[str, Any] = {}

    def flatten(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                flatten(f"{prefix}.{k}" if prefix else k, v)
        else:
            out[prefix] = value

    flatten("", table.data)
    return out


def _parameters(top: Table, src: str) -> tuple[Parameter, ...]:
    params: list[Parameter] = []
    for key, item in top.tables("parameters"):
        t = Table(item, src, key, ("name", "values", "low", "high", "log", "integer"))
        name = t.string("name")
        if any(p.name == name for p in params):
            raise t.fail("name", "a parameter named once", name, "The name is used twice.")
        values = t.raw("values", None)
        if values is not None:
            if not isinstance(values, list) or not values:
                raise t.fail("values", "a non-empty list of values", values)
            if any(isinstance(v, dict | list) for v in values):
                raise t.fail("values", "a list of numbers, strings or booleans", values)
            values = tuple(values)
        low, high = t.number("low", None), t.number("high", None)
        if (low is None) != (high is None):
            raise t.fail("high" if high is None else "low", "both 'low' and 'high' for a range", None)
        if low is not None and not low < high:
            raise t.fail("high", f"a number above low ({low:g})", high)
        if values is None and low is None:
            raise t.fail("values", "either 'values = [...]' or a range 'low'/'high'", None)
        log = t.boolean("log", False)
        if log and low is not None and low <= 0:
            raise t.fail("low", "a number > 0 for a log-scaled range", low)
        params.append(Parameter(name=name, values=values, low=low, high=high, log=log,
                                integer=t.boolean("integer", False)))
    return tuple(params)


def _check_design(kind: str, params: tuple[Parameter, ...], samples: int, design: Table, top: Table,
                  calibration: Calibration | None) -> None:
    if kind == "ensemble" and params:
        raise design.fail("kind", "a design that varies parameters (factorial, lhs, sobol, saltelli or morris)",
                          kind, "An ensemble varies only the seed; remove [[parameters]] or change the kind.")
    if kind != "ensemble" and not params:
        raise top.fail("parameters", f"at least one [[parameters]] table for a '{kind}' design", None)
    for i, p in enumerate(params):
        key = f"parameters[{i}]"
        if kind == "factorial" and p.values is None:
            raise ScenarioError(design.source, f"{key}.values", "a list of values for a factorial design", None,
                                f"Parameter '{p.name}' has a range; list the values to cross.")
        if (kind in ("lhs", "sobol", "saltelli", "morris") or calibration is not None) and p.low is None:
            raise ScenarioError(design.source, f"{key}.low", f"a range low/high for a '{kind}' design", None,
                                f"Parameter '{p.name}' lists values; give low and high instead.")
    if kind in ("lhs", "sobol", "saltelli", "morris") and samples < 1:
        raise design.fail("samples", f"a whole number >= 1 of samples for a '{kind}' design", samples or None)
    if kind == "sobol" and samples & (samples - 1):
        raise design.fail("samples", "a power of two for a Sobol design (its balance properties need it)", samples,
                          f"Try {1 << (samples - 1).bit_length()} or {1 << (samples.bit_length() - 1)}.")


def _calibration(t: Table) -> Calibration:
    accept = t.number("accept", 0.1, lo=0, hi=1, lo_open=True)
    return Calibration(method=t.string("method", "rejection", choices=ABC_METHODS),
                       samples=t.integer("samples", 200, lo=2), accept=accept,
                       replicates=t.integer("replicates", 1, lo=1), generations=t.integer("generations", 3, lo=1),
                       predictive=t.integer("predictive", 0, lo=0),
                       claims_until=None if not t.has("claims_until") else t.when("claims_until").date().isoformat())


def _outcome(t: Table, sc: Any, claims: str | None, days: int) -> Outcome:
    ids = [f.id for f in sc.factions]
    default_faction = ids[0]
    if claims is not None:
        from sim.io.claims import read_claims

        table = read_claims(claims)
        if len(table):
            default_faction = str(table["faction"].iloc[0])
    faction = t.string("faction", default_faction)
    if faction not in ids:
        raise t.fail("faction", "a faction id of the scenario", faction, did_you_mean(faction, ids))
    measure = t.string("measure", "gained_km2", choices=MEASURES)
    when = t.raw("date", None)
    if when is not None:
        if isinstance(when, str):
            try:
                when = date.fromisoformat(when)
            except ValueError:
                raise t.fail("date", "a date such as 2017-05-27", when) from None
        if not isinstance(when, date):
            raise t.fail("date", "a date such as 2017-05-27", when)
        first = sc.meta.start.date()
        last = date.fromordinal(first.toordinal() + days)
        if not first <= when <= last:
            raise t.fail("date", f"a date within the run ({first} to {last})", when.isoformat())
        when = when.isoformat()
    return Outcome(faction=faction, measure=measure, date=when)


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
