"""The experiment file format (batches, sweeps, sensitivity designs, calibrations), declared once.

`sim.batch.experiment` validates a file against `ExperimentFile`, then checks what needs the scenario
(parameter keys, factions, dates) and builds its `Experiment`. The key table in docs/batches.md and
docs/experiment.schema.json are generated from these models.
"""

from __future__ import annotations

from typing import Any, Literal

from sim.catalog import DEFAULT_SCENARIO
from sim.formats.fields import Date, Ident, Number, Spec, bad, custom, key
from sim.limits import MAX_DAYS

DESIGN_KINDS: tuple[str, ...] = ("ensemble", "factorial", "lhs", "sobol", "saltelli", "morris")
OUTCOME_MEASURES: tuple[str, ...] = ("gained_km2", "area_km2", "locality_km2", "locality_gained_km2", "front_km",
                                     "strength", "units", "places_held")
ABC_METHODS: tuple[str, ...] = ("rejection", "smc")


class ExperimentHead(Spec):
    """Which scenario, how long, and the master seed."""

    name: Ident | None = key(None, "Name of the experiment.", default_text="the file name",
                             allowed="letters, digits, `_`, `-`")
    title: str | None = key(None, "Title shown in summaries.", default_text="`name`")
    scenario: str = key(DEFAULT_SCENARIO, "The scenario every run loads.",
                        allowed="a shipped scenario name, or a `.toml` path relative to this file")
    days: int | None = key(None, "Days of every run.", unit="days", default_text="the scenario's window", ge=1,
                           le=MAX_DAYS)
    seed: int = key(description="Master seed: every run's seed is spawned from it (numpy `SeedSequence`).", ge=0)
    claims: str | None = key(None, "Claims CSV the runs are scored against.", type="string (path)",
                             default_text="the scenario's `scenario.claims`", allowed="relative to this file")


class Design(Spec):
    """How the parameter sets are chosen."""

    kind: Literal[DESIGN_KINDS] = key(  # type: ignore[valid-type]
        "ensemble", "`ensemble`: one point, `replicates` runs differing in the seed; `factorial`: every combination "
        "of the listed values; `lhs`: a Latin hypercube; `sobol`: a scrambled Sobol sequence; `saltelli`, `morris`: "
        "SALib's samplers for `badia sensitivity`.")
    replicates: int = key(1, "Runs per design point, each with its own seed.", ge=1)
    samples: int = key(0, "`lhs`, `sobol`: points (a power of two for `sobol`); `saltelli`: N (N × (D + 2) "
                       "points); `morris`: trajectories.", ge=0, allowed="≥ 1 for the sampled designs")
    levels: int = key(4, "Grid levels of a `morris` design.", ge=2)
    common_seeds: bool = key(False, "`true`: replicate r of every point shares one seed (common random numbers).")


def _values(value: Any) -> tuple[Any, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise bad("a non-empty list of values", value)
    if any(isinstance(v, dict | list) for v in value):
        raise bad("a list of numbers, strings or booleans", value)
    return tuple(value)


Values = custom("a list of values", "lists of values", _values, {
    "type": "array", "minItems": 1, "items": {"type": ["number", "string", "boolean"]}}, "list of values")


class Parameter(Spec):
    """One varied scenario key: listed values (factorial) or a range (sampled designs, calibration priors)."""

    name: str = key(description="A dotted override key of the scenario, as `badia run --set` takes "
                    "(`control.zoc_km`, `factions.government.doctrine.aggression`).", allowed="named once")
    values: Values | None = key(None, "`factorial`: the values to cross.", type="list of values",
                                allowed="numbers, strings or booleans; not empty")
    low: Number | None = key(None, "Lower end of the range (sampled designs and calibration priors).",
                             allowed="with `high`; > 0 when `log`")
    high: Number | None = key(None, "Upper end of the range.", allowed="with `low`; above `low`")
    log: bool = key(False, "Sample the range uniformly in log space.")
    integer: bool = key(False, "Round the sampled value.")


class Outcome(Spec):
    """The scalar reported by summarize, sensitivity and scatter plots: one faction's measure on one date."""

    faction: str | None = key(None, "Whose measure.", default_text="the first claim's faction (else the first "
                              "faction)", allowed="a faction id of the scenario")
    measure: Literal[OUTCOME_MEASURES] = key("gained_km2", "Which curve column.")  # type: ignore[valid-type]
    date: Date | None = key(None, "The day.", default_text="the last day", allowed="within the run")


class Calibration(Spec):
    """Approximate Bayesian computation settings, for `badia calibrate` (then `[design]` is not used)."""

    method: Literal[ABC_METHODS] = key("rejection", "`rejection` sampling or `smc` (sequential Monte Carlo).")  # type: ignore[valid-type]
    samples: int = key(200, "`rejection`: draws from the prior; `smc`: proposals per generation.", ge=2)
    accept: Number = key(0.1, "Share of draws accepted (`rejection`) or kept per generation (`smc`).", gt=0, le=1)
    replicates: int = key(1, "Runs per parameter set; its distance is their mean.", ge=1)
    generations: int = key(3, "Generations (`smc` only).", ge=1)
    predictive: int = key(0, "Runs of the posterior predictive ensemble (`0`: report the accepted runs "
                          "themselves).", ge=0)
    claims_until: Date | None = key(None, "Fit only the claims dated up to this day; later ones are held out.",
                                    default_text="every claim")


class ExperimentFile(Spec):
    """A Badia experiment file (docs/batches.md)."""

    experiment: ExperimentHead = key(description="Scenario, length and master seed.")
    overrides: dict[str, Any] = key(description="Fixed overrides for every run: dotted keys, as `badia run --set` "
                                    "(nested tables are flattened).", factory=dict, type="table")
    design: Design | None = key(None, "The design; required unless `[calibration]` is given.",
                                default_text="**required** without `[calibration]`")
    parameters: list[Parameter] = key(description="The varied parameters.", factory=list)
    outcome: Outcome = key(description="The reported scalar.", factory=Outcome)
    calibration: Calibration | None = key(None, "ABC settings, for `badia calibrate`.")
