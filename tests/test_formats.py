"""One schema: the format models drive validation, the docs tables and the JSON Schemas, and they agree.

The docs' key tables and docs/*.schema.json are generated from sim/formats; these tests fail when a
generated file is stale, when a shipped file does not validate against its JSON Schema, or when an error
loses our format (file, key, expected, found, did you mean).
"""

from __future__ import annotations

import datetime
import tomllib
import warnings
from pathlib import Path

import jsonschema
import pytest

import sim
from sim.batch.experiment import load_experiment
from sim.cli import main
from sim.errors import ScenarioError
from sim.formats import docgen
from sim.formats.jsonschema import FORMATS, json_schema
from sim.scenario import parse_scenario
from tests.test_scenario_errors import FACTIONS

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = {
    "scenario": sorted([*ROOT.glob("scenarios/*.toml"), *ROOT.glob("scenarios/lessons/*/baseline.toml"),
                        *ROOT.glob("scenarios/lessons/*/whatif.toml")]),
    "experiment": sorted(ROOT.glob("experiments/*.toml")),
    "lesson": sorted(ROOT.glob("scenarios/lessons/*/lesson.toml")),
}


def as_json(value: object) -> object:
    """A parsed TOML value as an editor sees it: dates and times become strings."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json_schema(kind)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_generated_docs_and_schemas_are_current() -> None:
    stale = [str(p.relative_to(ROOT)) for p in docgen.stale()]
    assert not stale, f"Generated docs are stale: {', '.join(stale)}. Run `{docgen.COMMAND}`."


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_committed_schema_is_what_badia_schema_prints(kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--kind", kind]) == 0
    printed = capsys.readouterr().out
    assert printed == (ROOT / "docs" / f"{kind}.schema.json").read_text(encoding="utf-8")


def test_badia_schema_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    assert main(["schema", "--kind", "experiment", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == (ROOT / "docs" / "experiment.schema.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind,path", [(k, p) for k, paths in SHIPPED.items() for p in paths],
                         ids=lambda v: v if isinstance(v, str) else str(v.relative_to(ROOT)))
def test_every_shipped_file_validates_against_its_schema(kind: str, path: Path) -> None:
    errors = list(validator(kind).iter_errors(as_json(tomllib.loads(path.read_text(encoding="utf-8")))))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_shipped_files_are_all_found() -> None:
    assert len(SHIPPED["scenario"]) >= 3 and SHIPPED["experiment"] and SHIPPED["lesson"]


@pytest.mark.parametrize("change, where", [
    (lambda r: r["units"][0].update(strenght=r["units"][0].pop("strength")), ["units", 0]),
    (lambda r: r["factions"][0].setdefault("doctrine", {}).update(aggression=1.7), ["factions", 0, "doctrine"]),
    (lambda r: r["scenario"].update(step_hours=5), ["scenario", "step_hours"]),
    (lambda r: r.update(events=[{"date": "2020-01-02", "kind": "strik"}]), ["events", 0]),
    (lambda r: r.update(mobility={"camel": {"desert": 1.0}}), ["mobility", "camel"]),
    (lambda r: r["units"][0].update(at=[200, 33]), ["units", 0, "at"]),
])
def test_schema_rejects_what_the_loader_rejects(change, where) -> None:
    raw = tomllib.loads((ROOT / "scenarios" / "corridor.toml").read_text(encoding="utf-8"))
    change(raw)
    errors = list(validator("scenario").iter_errors(as_json(raw)))
    assert errors and any(list(e.absolute_path)[:len(where)] == where for e in errors)
    with pytest.raises(ScenarioError):
        parse_scenario(raw, "bad.toml", ROOT / "scenarios")


def test_docgen_rewrites_only_between_markers() -> None:
    text = ("# Title\n\nProse before.\n\n<!-- BEGIN GENERATED: lesson -->\nold table\n"
            "<!-- END GENERATED: lesson -->\n\nProse after.\n")
    out = docgen.render("dashboard.md", text)
    assert out.startswith("# Title\n\nProse before.\n\n<!-- BEGIN GENERATED: lesson -->\n| Key |")
    assert out.endswith("<!-- END GENERATED: lesson -->\n\nProse after.\n")
    assert "old table" not in out and "| `baseline` |" in out
    assert docgen.render("dashboard.md", out) == out  # idempotent


def test_docgen_refuses_a_doc_missing_a_section() -> None:
    with pytest.raises(KeyError, match="no markers"):
        docgen.render("dashboard.md", "no markers here\n")


def test_doc_tables_show_the_declared_defaults_and_bounds() -> None:
    from sim.formats.scenario import Control, Doctrine

    table = docgen.rows(Control)
    assert f"| `zoc_km` | number | km | `{Control().zoc_km!r}` | (0, 1000] |" in table
    assert "| `aggression` | number | – | `0.5` | [0, 1] |" in docgen.rows(Doctrine)
    assert "| `contest_ratio` | number | × | `2.0` | [1, 1000] |" in table


BASE = FACTIONS  # two factions and a town (tests/test_scenario_errors.py)


@pytest.mark.parametrize("body, key, fragment", [
    ('[[events]]\ndate = 2020-01-02\nkind = "strik"\n', "events[0].kind", "Did you mean 'strike'?"),
    ('[[events]]\ndate = 2020-01-02\n', "events[0].kind", "The key is missing."),
    ('[[events]]\ndate = 2020-01-02\nkind = "doctrine"\nfaction = "blue"\nkey = "aggression"\nvalue = 1.7\n',
     "events[0].value", "expected a number <= 1"),
    ('[[events]]\ndate = 2020-01-02\nkind = "doctrine"\nfaction = "blue"\nkey = "horizon_hours"\nvalue = 0\n',
     "events[0].value", "expected a number > 0"),
    ('[[events]]\ndate = 2020-01-02\nkind = "doctrine"\nfaction = "blue"\nkey = "speed_scale"\nvalue = 2\n',
     "events[0].key", "expected one of aggression"),
    ('[mobility.camel]\ndesert = 1.0\n', "mobility.camel.hills", "The key is missing."),
    ('[mobility.motorised]\ndesrt = 1.0\n', "mobility.motorised.desrt", "Did you mean 'desert'?"),
    ('[[units]]\nname = "u"\nfaction = "blue"\nat = "Town"\nstrength = 5\nmobility = "camel"\n',
     "units[0].mobility", "one of motorised, foot, logistics"),
    ('[supply]\nmobility = "logistic"\n', "supply.mobility", "Did you mean 'logistics'?"),
    ('[combat]\nterrain_defence = { sand = 1.0 }\n', "combat.terrain_defence.sand", "Allowed keys:"),
    ('[[roads]]\nname = "r"\nclass = "road"\nthrough = ["Town", [200, 33]]\n', "roads[0].through[1]", "lon in"),
    ('[[terrain]]\nclass = "hills"\n', "terrain[0].polygon", "exactly one of 'polygon' or 'circle'"),
    ('[[factions]]\nid = "green"\ncolour = "green"\n', "factions[2].colour", "hex colour"),
    ("[scenario2]\n", "scenario2", "Did you mean 'scenario'?"),
])
def test_errors_keep_our_format(scenario_file, body: str, key: str, fragment: str) -> None:
    path = scenario_file(BASE + body)
    with pytest.raises(ScenarioError) as info:
        sim.load(path)
    assert info.value.source == str(path)
    assert info.value.key == key
    assert fragment in str(info.value)


def test_doctrine_event_within_bounds_loads(scenario_file) -> None:
    path = scenario_file(BASE + '[[events]]\ndate = 2020-01-02\nkind = "doctrine"\nfaction = "blue"\n'
                                'key = "horizon_hours"\nvalue = 48\n')
    (event,) = sim.load(path).events
    assert (event.key, event.value) == ("horizon_hours", 48.0) and isinstance(event.value, float)


def test_defaults_come_from_the_format(scenario_file) -> None:
    from sim.formats import scenario as fs

    sc = sim.load(scenario_file(BASE))
    assert sc.control.zoc_km == fs.Control().zoc_km
    assert sc.factions[0].doctrine.pocket_days == fs.Doctrine().pocket_days
    assert dict(sc.mobility["logistics"]) == fs.DEFAULT_MOBILITY["logistics"]
    assert sc.places[0].value == fs.KIND_VALUE["town"] and sc.places[0].radius_km == fs.KIND_RADIUS["town"]
    assert sc.combat.terrain_defence["hills"] == fs.TerrainDefence().hills


def test_override_errors_name_the_file_and_key(scenario_file) -> None:
    path = scenario_file(BASE)
    with pytest.raises(ScenarioError) as info:
        sim.load(path, overrides={"control.zoc_km": "far"})
    assert (info.value.source, info.value.key, info.value.found) == (str(path), "control.zoc_km", "far")
    with pytest.raises(ScenarioError) as info:
        sim.load(path, overrides={"control.zok_km": 3})
    assert "Did you mean 'zoc_km'?" in str(info.value)


def test_calibration_experiment_keeps_an_unchecked_design_kind(tmp_path: Path) -> None:
    claims = ROOT / "scenarios" / "reports" / "badia_may_2017.csv"
    path = tmp_path / "e.toml"
    path.write_text(f'[experiment]\nscenario = "badia_2017"\nseed = 1\nclaims = "{claims}"\n'
                    '[design]\nkind = "prior"\n[calibration]\nsamples = 4\n'
                    '[[parameters]]\nname = "control.zoc_km"\nlow = 2.0\nhigh = 4.0\n', encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exp = load_experiment(path, check_keys=False)
    assert exp.kind == "prior" and exp.calibration is not None
    assert any("design.kind" in str(w.message) for w in caught)
