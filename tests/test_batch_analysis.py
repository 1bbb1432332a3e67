"""Reading batches: bands and claim scores, sensitivity indices, and ABC recovering a known parameter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.batch import load_experiment, run_batch
from sim.batch.abc import calibrate
from sim.batch.runner import SerialEvaluator
from sim.batch.sensitivity import analyze
from sim.batch.store import BatchStore
from sim.batch.summary import crps_ensemble, crps_range, score_claims
from sim.cli import main

HEAD = """
[experiment]
name = "{name}"
scenario = "corridor"
days = 6
seed = 8
"""


def _exp(tmp: Path, name: str, body: str) -> Path:
    p = tmp / f"{name}.toml"
    p.write_text(HEAD.format(name=name) + body, encoding="utf-8")
    return p


def test_crps_matches_its_definition() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(100, 20, size=50)
    brute = np.mean(np.abs(x - 110)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))
    assert crps_ensemble(x, 110) == pytest.approx(brute)
    # A range: expectation over a fine grid of uniform truths, minus half the truth's own spread.
    ys = 90 + (np.arange(4000) + 0.5) * 40 / 4000  # midpoints of a fine grid
    e_xy = np.mean([np.mean(np.abs(x - y)) for y in ys])
    brute_r = e_xy - 0.5 * np.mean(np.abs(x[:, None] - x[None, :])) - (130 - 90) / 6
    assert crps_range(x, 90, 130) == pytest.approx(brute_r, abs=1e-4)
    assert crps_range(x, 110, 110) == pytest.approx(crps_ensemble(x, 110))
    # An ensemble spread over the claimed range scores better than one beside it.
    assert crps_range(np.linspace(90, 130, 41), 90, 130) < crps_range(np.linspace(140, 180, 41), 90, 130)


def test_claim_scores_count_runs_in_range() -> None:
    curves = pd.DataFrame({"run_id": range(10), "date": "2020-01-05", "day": 4, "faction": "west",
                           "area_km2": 0.0, "gained_km2": np.arange(10) * 100.0})
    claims = pd.DataFrame([{"date": "2020-01-05", "faction": "west", "measure": "gained_km2", "value": 450.0,
                            "low": 300.0, "high": 600.0, "source": "s", "quote": ""}])
    s = score_claims(curves, claims).iloc[0]
    assert s["runs"] == 10 and s["share_in_range"] == pytest.approx(0.4)  # 300, 400, 500, 600
    assert s["percentile_of_claim"] == pytest.approx(50.0) and s["median"] == pytest.approx(450.0)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("sweep")
    exp = _exp(tmp, "sens", """
[design]
kind = "saltelli"
samples = 8
common_seeds = true

[[parameters]]
name = "control.zoc_km"
low = 2.0
high = 8.0

[[parameters]]
name = "factions.east.doctrine.aggression"
low = 0.1
high = 0.5

[outcome]
faction = "west"
""")
    out = tmp / "b"
    res = run_batch(load_experiment(exp), out, evaluator=SerialEvaluator(), progress=False)
    assert res.ok == 8 * 4
    claims = tmp / "claims.csv"
    claims.write_text("date,faction,measure,value,low,high,source,quote\n"
                      "2020-01-07,west,gained_km2,900,800,1000,test,\n"
                      "2020-01-07,west,held_km2,2000,1500,2500,test,\n", encoding="utf-8")
    return out


def test_summarize_writes_bands_and_scores(sweep: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["summarize", str(sweep), "--claims", str(sweep.parent / "claims.csv")]) == 0
    printed = capsys.readouterr().out
    assert "CRPS" in printed and "in range" in printed
    bands = pd.read_csv(sweep / "summary.csv")
    curves = BatchStore(sweep).curves()
    last = curves[(curves["faction"] == "west") & (curves["day"] == 6)]["gained_km2"]
    row = bands[(bands["faction"] == "west") & (bands["day"] == 6) & (bands["measure"] == "gained_km2")].iloc[0]
    assert row["runs"] == 32
    assert row["median"] == pytest.approx(np.median(last), abs=1e-3)
    assert row["p05"] <= row["p25"] <= row["median"] <= row["p75"] <= row["p95"]
    assert row["p95"] == pytest.approx(np.quantile(last, 0.95), abs=1e-3)
    scores = pd.read_csv(sweep / "claims.csv")
    assert scores.loc[0, "share_in_range"] == pytest.approx(np.mean((last >= 800) & (last <= 1000)))
    assert scores.loc[0, "crps"] == pytest.approx(crps_ensemble(last.to_numpy(), 900), rel=1e-4)
    html = (sweep / "summary.html").read_text()
    assert "Plotly.newPlot" in html and "control.zoc_km" in html
    assert "<script src=" not in html  # self-contained: plotly.js is inlined


def test_sobol_indices_rank_the_parameter_that_matters(sweep: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table, method = analyze(sweep)
    assert method == "sobol"
    st = table[table["output"] == "outcome"].set_index("parameter")["ST"]
    # The zone of control drives the ground swept; the defender's aggression barely moves it.
    assert st["control.zoc_km"] > 0.5 > st["factions.east.doctrine.aggression"]
    assert main(["sensitivity", str(sweep), "--claims", str(sweep.parent / "claims.csv")]) == 0
    out = capsys.readouterr().out
    assert "control.zoc_km" in out and "claim_error" in out
    assert (sweep / "sensitivity.html").is_file() and (sweep / "sensitivity.csv").is_file()


@pytest.mark.slow
def test_abc_recovers_a_known_zone_of_control(tmp_path: Path) -> None:
    # Claims made by the model itself with zoc_km = 5.0: the west's gain on two dates, +-3 %.
    import sim

    truth = 5.0
    c = sim.run(sim.load("corridor", {"control.zoc_km": truth}), seed=1, days=6).curves
    w = c[c["faction"] == "west"].set_index("date")["gained_km2"]
    rows = [f"{d},west,gained_km2,{w[d]:.0f},{0.97 * w[d]:.0f},{1.03 * w[d]:.0f},model,"
            for d in ("2020-01-03", "2020-01-07")]
    claims = tmp_path / "claims.csv"
    claims.write_text("date,faction,measure,value,low,high,source,quote\n" + "\n".join(rows) + "\n")
    exp = tmp_path / "abc.toml"
    exp.write_text(HEAD.format(name="abc") + f"""claims = "{claims.name}"

[calibration]
method = "rejection"
samples = 40
accept = 0.15

[[parameters]]
name = "control.zoc_km"
low = 2.0
high = 8.0
""", encoding="utf-8")
    res = calibrate(load_experiment(exp), tmp_path / "cal", evaluator=SerialEvaluator(), progress=False)
    post = res.posterior.set_index("parameter").loc["control.zoc_km"]
    assert len(res.accepted) == 6
    assert post["min"] <= truth <= post["max"]
    assert post["p05"] <= truth <= post["p95"]
    assert post["max"] - post["min"] < 0.3 * (8.0 - 2.0)  # far narrower than the prior
    assert (res.accepted["distance"] == 0).all()  # every accepted set reproduces both claimed ranges
    assert res.claim_scores["share_in_range"].min() == 1.0
    for name in ("accepted.csv", "posterior.csv", "calibrated_claims.csv", "calibration.html"):
        assert (tmp_path / "cal" / name).is_file()
    # A rerun resumes: nothing is run again and the answer is the same.
    again = calibrate(load_experiment(exp), tmp_path / "cal", evaluator=SerialEvaluator(), progress=False)
    pd.testing.assert_frame_equal(again.accepted, res.accepted)


@pytest.mark.slow
def test_abc_smc_narrows_the_tolerance_and_keeps_the_truth(tmp_path: Path) -> None:
    import sim

    truth = 6.25  # mid-way in the band of radii that draw the same disk on 2 km cells (6.0-6.4)
    c = sim.run(sim.load("corridor", {"control.zoc_km": truth}), seed=1, days=6).curves
    v = float(c[(c["faction"] == "west") & (c["date"] == "2020-01-07")]["gained_km2"].iloc[0])
    claims = tmp_path / "claims.csv"
    claims.write_text("date,faction,measure,value,low,high,source,quote\n"
                      f"2020-01-07,west,gained_km2,{v:.0f},{0.98 * v:.0f},{1.02 * v:.0f},model,\n")
    exp = tmp_path / "smc.toml"
    exp.write_text(HEAD.format(name="smc") + f"""claims = "{claims.name}"

[calibration]
method = "smc"
samples = 16
accept = 0.25
generations = 3
predictive = 8

[[parameters]]
name = "control.zoc_km"
low = 2.0
high = 10.0
""", encoding="utf-8")
    res = calibrate(load_experiment(exp), tmp_path / "cal", evaluator=SerialEvaluator(), progress=False)
    assert len(res.epsilons) == 3
    assert all(b <= a for a, b in zip(res.epsilons, res.epsilons[1:], strict=False))
    assert res.epsilons[-1] == 0.0
    post = res.posterior.set_index("parameter").loc["control.zoc_km"]
    assert post["min"] <= truth <= post["max"] and post["max"] - post["min"] < 2.0
    assert res.accepted["weight"].sum() == pytest.approx(1.0)
    assert (tmp_path / "cal" / "gen-2" / "manifest.json").is_file()
    assert len(list((tmp_path / "cal" / "predictive" / "runs").glob("*.json"))) == 8
    assert res.claim_scores.loc[0, "runs"] == 8
