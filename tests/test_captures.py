"""Dated captures as claims: parsing, days early or late, ensemble scores, the CLI tables, and the hindcast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.batch import load_experiment
from sim.batch.hindcast import hindcast
from sim.batch.runner import SerialEvaluator
from sim.batch.summary import claim_error, crps_range, score_captures
from sim.cli import main
from sim.compare import capture_offset, compare_captures
from sim.errors import ScenarioError, UsageError
from sim.io.claims import read_claims
from tests.test_campaign import TWO_TARGETS

HEADER = "date,faction,measure,value,low,high,place,source,quote\n"


def write_claims(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "claims.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_capture_rows_parse_with_their_range(tmp_path):
    claims = read_claims(write_claims(tmp_path, "2020-01-05,red,captured,,2020-01-04,2020-01-07,North,Radio,q\n"
                                                "2020-01-06,red,captured,,,,South,Radio,q\n"
                                                "2020-01-06,red,gained_km2,100,50,150,,Radio,q\n"))
    north, south, area = (claims.iloc[i] for i in range(3))
    assert (north["date_low"], north["date_high"]) == ("2020-01-04", "2020-01-07")
    assert south["date_low"] == south["date_high"] == "2020-01-06"  # no range: the reported day
    assert np.isnan(north["value"]) and area["low"] == 50 and area["place"] == ""


@pytest.mark.parametrize("row, key", [
    ("2020-01-05,red,captured,,2020-01-06,2020-01-07,North,s,q\n", "line 2"),  # the range misses the date
    ("2020-01-05,red,captured,,,,,s,q\n", "line 2.place"),
    ("2020-01-05,red,captured,,2020-13-01,,North,s,q\n", "line 2.low"),
    ("2020-01-05,red,gained_km2,inf,0,1,,s,q\n", "line 2.value"),
    ("2020-01-05,red,counted_somehow,1,0,2,,s,q\n", "line 2.measure"),
])
def test_bad_capture_rows_name_the_line(tmp_path, row, key):
    with pytest.raises(ScenarioError) as err:
        read_claims(write_claims(tmp_path, row))
    assert err.value.key == key


def test_days_early_late_and_censored():
    assert capture_offset("2020-01-03", "2020-01-05", "2020-01-07", "2020-01-20") == (-2.0, "early")
    assert capture_offset("2020-01-06", "2020-01-05", "2020-01-07", "2020-01-20") == (0.0, "in range")
    assert capture_offset("2020-01-10", "2020-01-05", "2020-01-07", "2020-01-20") == (3.0, "late")
    assert capture_offset(None, "2020-01-05", "2020-01-07", "2020-01-20") == (13.0, "not by end")  # at least
    off, status = capture_offset(None, "2020-02-05", "2020-02-07", "2020-01-20")
    assert status == "not yet" and np.isnan(off)  # the sources date it after the run: consistent


def test_capture_scores_over_an_ensemble_censor_runs_that_never_took_the_place():
    claims = pd.DataFrame([{"date": "2020-01-05", "faction": "red", "measure": "captured", "value": np.nan,
                            "low": np.nan, "high": np.nan, "place": "North", "date_low": "2020-01-04",
                            "date_high": "2020-01-06", "source": "s", "quote": ""}])
    captures = pd.DataFrame({"run_id": [0, 1, 2], "place": "North", "faction": "red",
                             "date": ["2020-01-04", "2020-01-05", "2020-01-09"]})
    s = score_captures(captures, claims, [0, 1, 2, 3], end="2020-01-10").iloc[0]
    assert s["runs"] == 4 and s["share_in_range"] == pytest.approx(0.5)
    assert s["never"] == pytest.approx(0.25)
    assert s["mean_abs_days"] == pytest.approx((0 + 0 + 3 + 4) / 4)  # run 3: at least 4 days late by the 10th
    days = np.array([-1, 0, 4, 6])  # from the reported day; run 3 censored at the day after the end
    assert s["crps_days"] == pytest.approx(crps_range(days, -1, 1))
    assert s["median_date"] == "2020-01-07"
    err = claim_error(pd.DataFrame({"run_id": [0, 1, 2, 3]}), claims, captures=captures, end="2020-01-10")
    assert err.tolist() == pytest.approx([0, 0, 3 / 14, 4 / 14])


ORDERED = TWO_TARGETS + """
[[orders]]
name = "North then South"
faction = "red"
units = ["Column"]
[[orders.objectives]]
place = "North"
[[orders.objectives]]
place = "South"
from = 2020-01-06
"""


def test_badia_run_prints_each_capture_claim(scenario_file, tmp_path, capsys):
    path = scenario_file(ORDERED, end=11)
    model = sim.build_model(sim.load(path))
    model.run_days(10)
    took = {e["place"]: e["time"].date().isoformat() for e in model.log if e["kind"] == "captured"}
    claims = write_claims(tmp_path, f"{took['North']},red,captured,,,,North,Radio Red,q\n"
                                    f"2020-01-02,red,captured,,,,South,Radio Red,q\n"
                                    "2020-03-01,red,captured,,,,Blue base,Radio Red,q\n")
    text = path.read_text().replace('seed = 1\n', f'seed = 1\nclaims = "{claims}"\n')
    path.write_text(text)
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "Dated captures (1 of 2 in the reported range" in out  # the claim dated after the run is counted
    south = [line for line in out.splitlines() if line.startswith("South")][-1]  # the captures table
    late = (pd.Timestamp(took["South"]) - pd.Timestamp("2020-01-02")).days
    assert took["South"] in south and f"+{late}" in south
    assert "1 more claim(s) are dated after 2020-01-11" in out
    html = (tmp_path / "run" / "report.html").read_text()
    assert "Places that changed hands" in html and f"{late} days late" in html
    cmp = compare_captures({("North", "red"): took["North"]}, read_claims(claims), "2020-01-11")
    assert list(cmp["status"]) == ["in range", "not by end", "not yet"]


def test_a_capture_claim_naming_an_unknown_place_is_refused(scenario_file, tmp_path, capsys):
    claims = write_claims(tmp_path, "2020-01-05,red,captured,,,,Nort,s,q\n")
    path = scenario_file(ORDERED, end=4)
    path.write_text(path.read_text().replace('seed = 1\n', f'seed = 1\nclaims = "{claims}"\n'))
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "line 2.place" in err and "Did you mean 'North'?" in err
    assert not (tmp_path / "run").exists()


def test_hindcast_fits_before_the_split_and_scores_after(scenario_file, tmp_path):
    # Claims made by the model itself at speed_scale 1: North's capture (to fit) and South's (held out).
    path = scenario_file(ORDERED, end=11)
    model = sim.build_model(sim.load(path))
    model.run_days(10)
    took = {e["place"]: e["time"].date().isoformat() for e in model.log if e["kind"] == "captured"}
    assert took["North"] <= "2020-01-05" < took["South"]
    claims = write_claims(tmp_path, f"{took['North']},red,captured,,,,North,model,q\n"
                                    f"{took['South']},red,captured,,,,South,model,q\n")
    exp = tmp_path / "hc.toml"
    exp.write_text(f"""[experiment]
name = "hc"
scenario = "{path}"
days = 4
seed = 3
claims = "{claims}"

[calibration]
method = "rejection"
samples = 12
accept = 0.25
predictive = 4

[[parameters]]
name = "factions.red.doctrine.speed_scale"
low = 0.3
high = 3.0
""", encoding="utf-8")
    res = hindcast(load_experiment(exp), tmp_path / "out", "2020-01-05", days=10, evaluator=SerialEvaluator(),
                   progress=False)
    assert list(res.fitted["place"]) == ["North"] and list(res.held_out["place"]) == ["South"]
    assert len(res.capture_errors) == 1 and bool(res.capture_errors["in_window"].iloc[0])
    assert res.median_abs_days <= 2  # the fit on North's date forecasts South's within two days
    assert res.capture_scores.loc[0, "runs"] == 4
    for name in ("hindcast.html", "hindcast.json", "hindcast_errors.csv", "accepted.csv"):
        assert (tmp_path / "out" / name).is_file()
    with pytest.raises(UsageError, match="both sides of the split"):
        hindcast(load_experiment(exp), tmp_path / "out2", "2020-01-30", days=10, evaluator=SerialEvaluator(),
                 progress=False)


def test_summarize_scores_capture_claims_of_a_batch(scenario_file, tmp_path, capsys):
    path = scenario_file(ORDERED, end=11)
    model = sim.build_model(sim.load(path))
    model.run_days(10)
    took = {e["place"]: e["time"].date().isoformat() for e in model.log if e["kind"] == "captured"}
    claims = write_claims(tmp_path, f"{took['South']},red,captured,,,,South,Radio Red,q\n")
    exp = tmp_path / "ens.toml"
    exp.write_text(f'[experiment]\nname = "ens"\nscenario = "{path}"\ndays = 10\nseed = 5\nclaims = "{claims}"\n'
                   '[design]\nkind = "ensemble"\nreplicates = 3\n', encoding="utf-8")
    out = tmp_path / "batch"
    assert main(["batch", str(exp), "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert main(["summarize", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Dated captures" in printed and "South" in printed and "100%" in printed
    scores = pd.read_csv(out / "captures.csv")
    assert scores.loc[0, "runs"] == 3 and scores.loc[0, "share_in_range"] == 1.0
    assert (out / "summary.html").read_text().count("Dated captures") == 1
