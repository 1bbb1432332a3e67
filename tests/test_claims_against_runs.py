"""Claims against runs: a share of the region is the held cells over the region's cells, whichever consumer asks
(one run's comparison, a batch's scores), and the comparison and its words follow the claimed ranges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.batch.summary import score_claims
from sim.compare import compare_run, reported_dates, verdict, within_run


@pytest.fixture(scope="module")
def run() -> sim.Run:
    return sim.run(sim.load("corridor"), seed=2, days=5)


def claim(day: str, measure: str, value: float, low: float, high: float, faction: str = "west") -> dict:
    return {"date": day, "faction": faction, "measure": measure, "value": value, "low": low, "high": high,
            "source": "s", "quote": "q", "place": "", "date_low": "", "date_high": ""}


def test_a_share_of_the_region_is_counted_from_the_owner_grid(run: sim.Run) -> None:
    day = 3
    west = run.factions.index("west")
    share = 100.0 * ((run.owner[day] == west) & run.region).sum() / run.region.sum()  # percent of the region
    assert 0 < share < 100
    claims = pd.DataFrame([claim(run.dates[day], "held_pct", round(share), share - 1, share + 1),
                           claim(run.dates[day], "held_pct", 10, 5, 15)])
    areas, _ = compare_run(run, claims)
    assert areas["simulated"].tolist() == pytest.approx([share, share])
    assert areas["in_range"].tolist() == [True, False]
    # A batch scores the same claim on the same curves to the same value: one conversion for every consumer.
    scores = score_claims(run.curves.assign(run_id=0), claims, run.region_km2)
    assert scores["median"].tolist() == pytest.approx([share, share])
    assert scores["share_in_range"].tolist() == [1.0, 0.0]


def test_held_and_gained_km2_claims_read_the_curves(run: sim.Run) -> None:
    c = run.curves
    last = c[(c["day"] == run.days) & (c["faction"] == "east")].iloc[0]
    claims = pd.DataFrame([claim(run.dates[-1], "held_km2", last["area_km2"], 0, 1e9, "east"),
                           claim(run.dates[-1], "gained_km2", 0, -10, 10, "east"),
                           claim("2030-01-01", "held_km2", 1, 0, 2, "east")])  # after the run: no value
    areas, _ = compare_run(run, claims)
    assert areas["simulated"].iloc[0] == last["area_km2"] and areas["in_range"].iloc[0]
    assert areas["simulated"].iloc[1] == last["gained_km2"] and not areas["in_range"].iloc[1]  # east lost ground
    assert np.isnan(areas["simulated"].iloc[2]) and not areas["in_range"].iloc[2]


def test_capture_claims_are_judged_and_worded(run: sim.Run) -> None:
    ev = run.events
    first = ev[ev["kind"] == "captured"].iloc[0]
    took = str(first["time"])[:10]
    base = {"faction": first["faction"], "measure": "captured", "value": np.nan, "low": np.nan, "high": np.nan,
            "source": "s", "quote": "q", "place": first["place"]}
    claims = pd.DataFrame([{**base, "date": took, "date_low": took, "date_high": took},
                           {**base, "date": "2030-01-02", "date_low": "2030-01-01", "date_high": "2030-01-03"}])
    _, caps = compare_run(run, claims)
    assert caps["status"].tolist() == ["in range", "early"]
    assert verdict("in range", 0.0, run.dates[-1]) == "in range"
    assert verdict(caps["status"].iloc[1], caps["days_off"].iloc[1], run.dates[-1]).endswith("days early")
    assert verdict("not by end", 3.0, "2020-01-06") == "not by 2020-01-06 (at least 3 days late)"
    assert verdict("late", 1.0, "2020-01-06", as_days=True) == "+1"
    assert reported_dates("2030-01-02", "2030-01-01", "2030-01-03") == "2030-01-02 (2030-01-01 to 2030-01-03)"
    # a capture the run made already is shown even though the sources date it after the run
    assert len(within_run(caps, run.dates[-1])) == 2
