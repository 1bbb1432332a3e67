"""Fuzzing in the suite: a few hundred mutated inputs of every kind (tests/fuzzing.py), each answered with exit 0,
or exit 2 and one paragraph, without a traceback and within a time bound. The 10,000-case run is
experiments/fuzz/run.py (docs/reliability.md)."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import build_parser
from tests import fuzzing

BOUND_S = 30.0  # a case taking longer is a hang (the slowest seen: a 2-day run of a mutated scenario, ~3 s)
EXAMPLES = {"scenario": 60, "override": 50, "experiment": 50, "lesson": 40, "claims": 50, "flags": 80}


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("fuzz")
    return root, fuzzing.make_run_dirs(root)


@pytest.mark.slow  # ~20 s for the 330 cases on 2 workers
@pytest.mark.parametrize("kind", fuzzing.KINDS)
def test_every_bad_input_is_answered(kind: str, fuzz_root: tuple[Path, dict[str, Path]]) -> None:
    root, run_dirs = fuzz_root
    run, parser = fuzzing.case_runner(root), build_parser()
    seen: dict[str, int] = {}

    @settings(max_examples=EXAMPLES[kind], deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.randoms(use_true_random=False))
    def one(rnd: random.Random) -> None:
        case = fuzzing.draw_case(rnd, kind, run_dirs, parser)
        outcome = run(case, BOUND_S)
        seen[outcome.kind] = seen.get(outcome.kind, 0) + 1
        assert outcome.kind in ("ok", "refused"), f"{case.describe()}\n{outcome}"

    one()
    assert seen.get("refused", 0) > 0  # the mutations do reach the checks


def test_the_judge_sees_tracebacks_hangs_and_wrong_exits(fuzz_root: tuple[Path, dict[str, Path]],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The fuzzer would notice what it looks for: an exception, a command that does not return, a wrong exit."""
    import sim.cli

    root, _ = fuzz_root
    run = fuzzing.case_runner(root)
    case = fuzzing.Case("flags", ["scenarios"])
    assert run(case, BOUND_S).kind == "ok"
    monkeypatch.setattr(sim.cli, "cmd_scenarios", lambda args: 1 / 0)
    assert run(case, BOUND_S).kind == "traceback"
    monkeypatch.setattr(sim.cli, "cmd_scenarios", lambda args: time.sleep(5))
    assert run(case, 0.5).kind == "hang"
    monkeypatch.setattr(sim.cli, "cmd_scenarios", lambda args: 3)
    assert run(case, BOUND_S).kind == "wrong-exit"
    assert fuzzing.judge(2, "", 0.1).kind == "wrong-exit"  # exit 2 says why
    assert fuzzing.judge(2, "error: a.toml: key 'x': expected y\n", 0.1).kind == "refused"
