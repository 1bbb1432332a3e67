"""Bad input gets a clear error naming the file, the key path, what was expected and what was found."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.errors import ScenarioError
from sim.scenario import load_scenario

FACTIONS = """
[[places]]
name = "Town"
lon = 36.5
lat = 33.2
kind = "town"

[[factions]]
id = "blue"
holds = ["Town"]

[[factions]]
id = "red"
"""


def error_of(path, overrides=None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value


def test_malformed_toml_names_file_and_line(scenario_file):
    path = scenario_file("[[units]\nname = 1\n")
    err = error_of(path)
    assert str(path) in str(err)
    assert "Malformed TOML" in str(err) and "line" in str(err)


def test_unknown_key_suggests_the_right_one(scenario_file):
    path = scenario_file(FACTIONS + '\n[[units]]\nname = "u"\nfaction = "blue"\nat = "Town"\nstrenght = 100\n')
    err = error_of(path)
    assert err.key == "units[0].strenght"
    assert "Did you mean 'strength'?" in str(err)


def test_place_outside_the_map(scenario_file):
    path = scenario_file('[[places]]\nname = "Far"\nlon = 40.0\nlat = 33.2\nkind = "town"\n'
                         '[[factions]]\nid = "blue"\n')
    err = error_of(path)
    assert "places[0] (Far)" in err.key
    assert "inside the map's bbox" in err.expected


def test_unknown_faction_reference_suggests(scenario_file):
    path = scenario_file(FACTIONS + '\n[[units]]\nname = "u"\nfaction = "bleu"\nat = "Town"\nstrength = 100\n')
    err = error_of(path)
    assert err.key == "units[0].faction"
    assert err.found == "bleu"
    assert "Did you mean 'blue'?" in str(err)


def test_unknown_place_reference(scenario_file):
    path = scenario_file(FACTIONS + '\n[[units]]\nname = "u"\nfaction = "blue"\nat = "Twon"\nstrength = 100\n')
    err = error_of(path)
    assert err.key == "units[0].at"
    assert "Did you mean 'Town'?" in str(err)


@pytest.mark.parametrize("strength", ["-5", "0", '"many"'])
def test_non_positive_or_non_numeric_strength(scenario_file, strength):
    path = scenario_file(FACTIONS + f'\n[[units]]\nname = "u"\nfaction = "blue"\nat = "Town"\nstrength = {strength}\n')
    err = error_of(path)
    assert err.key == "units[0].strength"
    assert "number" in err.expected


def test_missing_required_key(scenario_file):
    path = scenario_file(FACTIONS + '\n[[units]]\nname = "u"\nfaction = "blue"\nat = "Town"\n')
    err = error_of(path)
    assert err.key == "units[0].strength" and "missing" in str(err)


def test_end_before_start(scenario_file, tmp_path):
    path = scenario_file(FACTIONS)
    text = path.read_text().replace('end = "2020-01-11"', 'end = "2019-12-01"')
    path.write_text(text)
    assert error_of(path).key == "scenario.end"


def test_bad_choice_lists_options(scenario_file):
    path = scenario_file(FACTIONS + '\n[[units]]\nname = "u"\nfaction = "blue"\nat = "Town"\nstrength = 5\n'
                                    'posture = "attak"\n')
    err = error_of(path)
    assert err.key == "units[0].posture" and "Did you mean 'attack'?" in str(err)


def test_override_of_unknown_element_is_named(scenario_file):
    path = scenario_file(FACTIONS)
    err = error_of(path, {"factions.green.doctrine.aggression": 0.5})
    assert err.source == "--set" and "green" in str(err)


def test_override_out_of_range_is_checked_like_the_file(scenario_file):
    path = scenario_file(FACTIONS)
    err = error_of(path, {"factions.blue.doctrine.aggression": 3})
    assert err.key == "factions[0].doctrine.aggression" and "<= 1" in err.expected


def test_missing_file():
    err = error_of("/nonexistent/scenario.toml")
    assert "does not exist" in str(err)


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd)


def cli_in_process(capsys, *args: str) -> tuple[int, str]:
    """`badia ARGS` through sim.cli.main in this process: (exit code, stderr). Argparse's own errors exit."""
    from sim.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


def test_cli_exit_code_is_2_in_a_real_process(scenario_file, tmp_path):
    """The exit code and stderr as a shell sees them (the cases below run in-process, for speed)."""
    proc = run_cli("validate", str(scenario_file("[[units]\n")))
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    proc = run_cli("run", "corridor", "--days", "0", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("body", [
    "[[units]\n",  # malformed
    FACTIONS + '\n[[units]]\nname = "u"\nfaction = "blue"\nat = "Town"\nstrength = -1\n',
    FACTIONS + '\n[[units]]\nname = "u"\nfaction = "purple"\nat = "Town"\nstrength = 1\n',
])
def test_cli_validate_exit_code_2_without_traceback(scenario_file, capsys, body):
    path = scenario_file(body)
    code, err = cli_in_process(capsys, "validate", str(path))
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("error: ") and str(path) in err
    assert err.count("\n") == 1  # one paragraph


@pytest.mark.parametrize("args", [
    ["run", "corridor", "--days", "0"],
    ["run", "corridor", "--seed", "abc"],
    ["run", "corridor", "--set", "nonsense"],
    ["run", "corridor", "--set", "combat.range_km=-3"],
    ["run", "corridr"],
])
def test_cli_bad_flags_exit_code_2(args, tmp_path, capsys):
    code, err = cli_in_process(capsys, *args, "--out", str(tmp_path / "out"))
    assert code == 2, err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing half-written
