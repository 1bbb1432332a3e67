"""Lanchester attrition: the square law in its deterministic limit matches the closed form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim
from sim.rules.combat import Engagement, expected_losses, square_law_closed_form


def one_on_one(alpha: float, beta: float, linear: bool = False) -> Engagement:
    pairs = np.array([[False, True], [True, False]])
    return Engagement(pairs=pairs, fire=np.array([alpha, beta]), linear=np.array([linear, linear]),
                      defence=np.ones(2))


@pytest.mark.parametrize("a0,b0,alpha,beta,days", [(1000, 800, 0.05, 0.05, 5), (1500, 1000, 0.03, 0.06, 8),
                                                  (500, 500, 0.1, 0.02, 3)])
def test_square_law_matches_closed_form(a0, b0, alpha, beta, days):
    # dA/dt = -beta B (B's fire kills A), dB/dt = -alpha A.
    eng = one_on_one(alpha, beta)
    lost = expected_losses(np.array([a0, b0], dtype=float), eng, days, substeps=days * 24)
    a_exact, b_exact = square_law_closed_form(a0, b0, alpha, beta, days)
    assert a0 - lost[0] == pytest.approx(a_exact, rel=1e-4)
    assert b0 - lost[1] == pytest.approx(b_exact, rel=1e-4)


def test_square_law_rewards_concentration():
    # Doubling numbers quadruples fighting strength: 2000 vs 1000 leaves ~sqrt(3)/2 of the larger side.
    eng = one_on_one(0.05, 0.05)
    s = np.array([2000.0, 1000.0])
    lost = expected_losses(s, eng, 60, 60 * 24)
    assert (s - lost)[1] == pytest.approx(0.0, abs=1e-6)
    assert (s - lost)[0] == pytest.approx(2000 * np.sqrt(3) / 2, rel=1e-3)


def test_linear_law_conserves_the_difference_scaled_by_rates():
    # Under the linear law with equal rates, A - B is invariant.
    eng = one_on_one(0.0001, 0.0001, linear=True)
    s = np.array([900.0, 600.0])
    left = s - expected_losses(s, eng, 10, 240)
    assert left[0] - left[1] == pytest.approx(300.0, rel=1e-4)
    assert left[1] < 600


def test_model_duel_matches_closed_form(scenario_file):
    """Two units facing each other in the whole model, deterministic, no supply effects."""
    path = scenario_file("""
    [[places]]
    name = "West post"
    lon = 36.48
    lat = 33.2
    kind = "village"
    [[places]]
    name = "East post"
    lon = 36.52
    lat = 33.2
    kind = "village"
    [[factions]]
    id = "a"
    supply_sources = ["West post"]
    holds = ["West post"]
    [[factions]]
    id = "b"
    supply_sources = ["East post"]
    holds = ["East post"]
    [[units]]
    name = "A"
    faction = "a"
    at = "West post"
    strength = 1200
    posture = "hold"
    [[units]]
    name = "B"
    faction = "b"
    at = "East post"
    strength = 1000
    posture = "hold"
    [combat]
    stochastic = false
    substep_hours = 0.25
    posture_defence = { hold = 1.0 }
    aimed_rate = 0.04
    [supply]
    attrition_per_day = 0.0
    replenish_per_day = 0.0
    """)
    sc = sim.load(path)
    model = sim.build_model(sc)
    model.run_days(4)
    a, b = (u.strength for u in model.unit_list())
    a_exact, b_exact = square_law_closed_form(1200, 1000, 0.04, 0.04, 4)
    assert a == pytest.approx(a_exact, rel=1e-4)
    assert b == pytest.approx(b_exact, rel=1e-4)


def test_stochastic_losses_centre_on_the_expectation(scenario_file):
    eng = one_on_one(0.05, 0.05)
    s = np.array([1000.0, 1000.0])
    expected = expected_losses(s, eng, 0.25, 6)
    rng = np.random.default_rng(3)
    draws = np.array([rng.poisson(expected) for _ in range(4000)])
    assert draws.mean(axis=0) == pytest.approx(expected, rel=0.02)
    assert draws.std(axis=0).min() > 0


@given(st.integers(2, 40), st.integers(0, 2**32 - 1))
def test_a_unit_out_of_the_fight_changes_nobody_s_losses(n: int, seed: int) -> None:
    # only the shooters' rows of the share matrix are built (combat._Shooters): a unit that engages nobody must
    # lose nothing and leave every other unit's losses exactly as they were
    rng = np.random.default_rng(seed)
    pairs = rng.random((n, n)) < 0.2
    pairs = pairs | pairs.T
    np.fill_diagonal(pairs, False)
    s = rng.random(n) * 1000
    fire, linear, defence = rng.random(n), rng.random(n) < 0.5, 1 + rng.random(n)
    alone = combat_losses(pairs, s, fire, linear, defence)
    bigger = np.zeros((n + 1, n + 1), dtype=bool)
    bigger[:n, :n] = pairs
    with_idle = combat_losses(bigger, np.append(s, 500.0), np.append(fire, 1.0), np.append(linear, False),
                              np.append(defence, 1.0))
    assert with_idle[n] == 0.0
    np.testing.assert_allclose(with_idle[:n], alone, rtol=1e-12)


def combat_losses(pairs: np.ndarray, s: np.ndarray, fire: np.ndarray, linear: np.ndarray,
                  defence: np.ndarray) -> np.ndarray:
    eng = Engagement(pairs=pairs, fire=fire, linear=linear, defence=defence)
    return expected_losses(s, eng, 0.25, 6)
