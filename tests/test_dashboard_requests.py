"""Malformed requests to the dashboard get an answer, never a 500: junk values for every callback's inputs and
state (hypothesis), request bodies of the wrong shape, and a saved run's directory opened as a batch.

The app runs with `strict=True`: an unexpected error in a callback propagates as HTTP 500 instead of being
logged, so a value that slips past sim.dashboard.guard's checks fails these tests.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_dashboard_fixtures import make_runs_dir

from sim.dashboard import batchdata, exports, guard, view_run
from sim.dashboard.app import create_app
from sim.dashboard.jobs import Jobs
from sim.errors import BatchError

URL = "/_dash-update-component"
EXAMPLES = 12  # per callback: 28 callbacks, 336 requests
ANSWERS: Counter[int] = Counter()  # status codes of the fuzzed requests (printed at the end with -s)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_runs_dir(tmp_path_factory.mktemp("runs"))


def _outputs(cb: dict[str, Any]) -> Any:
    outs = cb["output"] if isinstance(cb["output"], list) else [cb["output"]]
    sent = [{"id": o.component_id, "property": o.component_property.split("@")[0]} for o in outs]
    return sent if isinstance(cb["output"], list) else sent[0]


def body(app: Any, output: str, values: list[Any], changed: list[str] | None = None) -> dict[str, Any]:
    """A callback request as the page sends it: the callback's output, its inputs and state with `values`."""
    cb = app.callback_map[output]
    n = len(cb["inputs"])
    return {"output": output, "outputs": _outputs(cb),
            "inputs": [{**d, "value": v} for d, v in zip(cb["inputs"], values[:n], strict=True)],
            "state": [{**d, "value": v} for d, v in zip(cb["state"], values[n:], strict=True)],
            "changedPropIds": changed if changed is not None else [f"{cb['inputs'][0]['id']}."
                                                                   f"{cb['inputs'][0]['property']}"]}


def output_of(app: Any, component: str) -> str:
    """The callback_map key of the callback whose first output is `component` ("id.property")."""
    return next(k for k in app.callback_map if k.startswith((f"..{component}", component)))


def post(client: Any, payload: Any) -> Any:
    return client.post(URL, data=json.dumps(payload), content_type="application/json")


def answer(response: Any) -> dict[str, Any]:
    """The {component id: {property: value}} of a 200 answer."""
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    return json.loads(response.get_data(as_text=True))["response"]


@pytest.fixture(scope="module")
def served(runs: Path) -> Iterator[tuple[Any, Any, list[Any]]]:
    """(app, test client, plausible values): the values include real result keys of both panels, so junk
    reaches the drawing code; once they exist, jobs are not started (a junk request may be a valid run) and
    PNGs are not rendered (test_dashboard_browser.py exports one through kaleido)."""
    app = create_app(runs, strict=True)
    client = app.server.test_client()
    opened = answer(post(client, body(app, output_of(app, "run-key.data@"), [1, None, "saved-corridor", None, None])))
    run_key = opened["run-key"]["data"]
    side = ["saved", "corridor", None, None, "", "saved-corridor"]
    job = answer(post(client, body(app, output_of(app, "cmp-job.data"), [1, *side, *side])))["cmp-job"]["data"]
    poll = output_of(app, "cmp-progress.value")
    for _ in range(200):
        got = answer(post(client, body(app, poll, [1, job])))
        if "cmp-key" in got:
            pair_key = got["cmp-key"]["data"]
            break
        time.sleep(0.05)
    else:
        pytest.fail("the compare job did not finish")
    plausible = {"key": [run_key, pair_key, "0" * 32], "job": ["0" * 32, job],
                 "n_clicks": [None, 0, 1, 7], "n_intervals": [None, 0, 1, 7], "disabled": [True, False, None],
                 "day": [None, 0, 1, 3, 4, 6, 100], "max": [None, 0, 4, 6],
                 "dir": ["sweep", "saved-corridor", "../..", "/etc"],
                 "saved": ["saved-corridor", "sweep", "../..", "/etc"], "scenario": ["corridor", "badia_2017"],
                 "source": ["scenario", "saved"], "measure": ["gained_km2", "area_km2"], "run": [0, 4, 99],
                 "pick": ["roads_are_arteries", "nope"], "active_cell": [{"row": 0, "column": 0}, {"row": 50}],
                 "events": [[{"time": "2017-05-02 06:00", "kind": "combat"}], [{}], []],
                 "params": [[{"key": "control.zoc_km", "default": "5", "value": "6"}], [], [{"key": "x"}]],
                 "seed": ["1", "", "-1", 2, "9" * 30], "days": ["2", "", "0", 3, 4000],
                 "overrides": ["", "combat.stochastic=false", "nope=1"], "events-all": [["all"], []],
                 "drawn": [run_key, pair_key],
                 "param-keys": [{"keys": ["control.zoc_km"], "defaults": [5]}, {"keys": [], "defaults": []}],
                 "search": ["", "?run=saved-corridor", "?job=" + "0" * 32, "?run=../..", f"?job={job}"],
                 "options": [["saved-corridor"], []], "kinds": [["captured"], [], None, ["battle", "order"]]}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Jobs, "start", lambda self, label, work: "0" * 32)
        mp.setattr(exports, "png_bytes", lambda fig, *args, **kwargs: b"PNG")  # kaleido takes seconds
        yield app, client, plausible


SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
           | st.sampled_from(["x" * 200_000, 2**63, -1, "../..", "corridor", "saved-corridor", "sweep"]))
KEYS = st.text(max_size=8) | st.sampled_from(["row", "column", "key", "value", "default", "id", "time"])
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                    max_leaves=8)  # any JSON value, NaN and infinities included


def value_for(dep: dict[str, Any], plausible: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    """Two times in three a value the page could send for this input (so junk in one input meets good values in
    the others and reaches the code behind the checks), else any JSON value."""
    name = dep["id"].split("-", 1)[-1] if dep["property"] == "value" or dep["property"] == "data" else ""
    for kind in (name.rsplit("-", 1)[-1], name, dep["property"]):
        if kind in plausible:
            good = st.sampled_from(plausible[kind])
            return st.integers(0, 2).flatmap(lambda i, good=good: JUNK if i == 0 else good)
    return JUNK


def server_callbacks(app: Any) -> dict[str, Any]:
    """The callbacks that run on the server (the clientside ones, which patch the maps, never reach it)."""
    return {k: cb for k, cb in app.callback_map.items() if cb.get("callback") is not None}


def callback_outputs() -> list[str]:
    return list(server_callbacks(create_app(Path("unused"), strict=True)))


def test_every_callback_checks_its_inputs(served: tuple) -> None:
    app, client, _ = served
    assert len(server_callbacks(app)) == 37 and len(app.callback_map) == 47
    for output in set(app.callback_map) - set(server_callbacks(app)):  # clientside: refused if posted
        response = post(client, body(app, output, [None] * (len(app.callback_map[output]["inputs"])
                                                            + len(app.callback_map[output]["state"]))))
        assert response.status_code == 400 and "no callback has the output" in response.get_data(as_text=True)
    for output, cb in server_callbacks(app).items():
        checks = getattr(cb["callback"], "badia_checks", None)
        assert checks is not None, f"{output} is registered without sim.dashboard.guard.callback"
        assert len(checks) == len(cb["inputs"]) + len(cb["state"])


@pytest.mark.parametrize("output", callback_outputs(), ids=lambda k: k.strip(".").split("...")[0].split("@")[0])
def test_junk_values_get_an_answer_never_a_500(served: tuple, output: str) -> None:
    app, client, plausible = served
    cb = app.callback_map[output]
    names = [f"{d['id']}.{d['property']}" for d in cb["inputs"]]
    values = st.tuples(*[value_for(d, plausible) for d in cb["inputs"] + cb["state"]]).map(list)

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(values=values,
           changed=st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    def check(values: list[Any], changed: list[str]) -> None:
        response = post(client, body(app, output, values, changed))
        ANSWERS[response.status_code] += 1
        text = response.get_data(as_text=True)
        assert response.status_code in (200, 204), text[-800:]
        assert "Traceback" not in text

    check()


def test_malformed_values_are_named_in_the_message(served: tuple) -> None:
    app, client, _ = served
    go = output_of(app, "run-job.data")
    slots = [None] * view_run.MAX_PARAMS
    got = answer(post(client, body(app, go, [1, "corridor", None, None, "not a table", None, *slots])))
    message = got["run-message"]["children"]
    assert "run-param-keys.data" in message and "expected the parameter keys" in message and "Traceback" not in message
    keys = {"keys": ["control.zoc_km"], "defaults": [5]}
    got = answer(post(client, body(app, go, [1, "corridor", None, None, keys, None, "lots", *slots[1:]])))
    assert "parameters" in got["run-message"]["children"] and "control.zoc_km" in got["run-message"]["children"]
    show = output_of(app, "batch-job.data")
    got = answer(post(client, body(app, show, [1, "sweep", "abc"])))
    assert "batch-run.value" in got["batch-message"]["children"]
    long = answer(post(client, body(app, output_of(app, "run-key.data@"), [1, None, "x" * 100_000, None, None])))
    assert len(long["run-message"]["children"]) < 400  # the value is cut, never echoed whole
    for values in ([1, "y" * 900, None, None, None, None, *slots], [1, "corridor", "9" * 900, None, None, None, *slots]):
        got = answer(post(client, body(app, go, values)))  # passes the check, refused by the callback
        assert "Cannot run" in got["run-message"]["children"] and len(got["run-message"]["children"]) < 400


def test_the_batch_view_refuses_a_saved_run_directory(served: tuple, runs: Path) -> None:
    app, client, _ = served
    got = answer(post(client, body(app, output_of(app, "batch-bands.figure"), ["saved-corridor", "gained_km2"])))
    message = got["batch-message"]["children"]
    assert "Cannot open the batch" in message and "saved-corridor" in message
    assert "expected a batch directory" in message  # the rest may be cut: the test's paths are long
    with pytest.raises(BatchError, match="saved-corridor.*found 'a run directory"):
        batchdata.read_batch(runs / "saved-corridor")
    (runs / "empty").mkdir(exist_ok=True)
    with pytest.raises(BatchError, match="expected a batch directory"):
        batchdata.read_batch(runs / "empty")
    assert len(batchdata.read_batch(runs / "sweep").runs) == 6


@pytest.mark.parametrize(("check", "good", "bad"), [
    (guard.count, [None, 0, 3, 3.0], [True, -1, 1.5, float("inf"), float("nan"), 1e12, "3", [1]]),
    (guard.text(), [None, "", "corridor"], [1, ["a"], {"a": 1}, "x" * 1001]),
    (guard.field, [None, "12", 12, 2**63 - 1], [True, float("inf"), 2**64, [1], "x" * 1001]),
    (guard.rows, [None, [], [{"key": "a", "value": 1.5, "default": None}]],
     ["rows", [1], [{"key": ["a"]}], [{"key": "x" * 1001}], [{1: "a"}]]),
    (guard.cell, [None, {"row": 0, "column": 1}, {}], [[0], {"row": -1}, {"row": "0"}, {"row": [0]}]),
    (guard.choice("a", "b"), [None, "a"], ["c", 1, ["a"]]),
    (guard.text_list, [None, [], ["all"]], ["all", [1], [["all"]]]),
    (guard.flag, [None, True], [0, "true"])])
def test_checks_pass_what_the_page_sends_and_refuse_the_rest(check: Any, good: list, bad: list) -> None:
    for value in good:
        assert check(value) == value
    for value in bad:
        with pytest.raises(guard.Malformed):
            check(value)


def _shapes(app: Any) -> list[tuple[str, Any]]:
    go = output_of(app, "run-job.data")
    good = body(app, go, [1, "corridor", None, None, None, None, *[None] * view_run.MAX_PARAMS])
    return [("not JSON", "{"), ("a list", []), ("an empty object", {}), ("no output", {**good, "output": None}),
            ("unknown output", {**good, "output": "..nope.children.."}),
            ("inputs not a list", {**good, "inputs": "x"}), ("too few inputs", {**good, "inputs": []}),
            ("too many states", {**good, "state": good["state"] * 2}),
            ("another component", {**good, "inputs": [{"id": "tabs", "property": "value", "value": 1}]}),
            ("outputs missing", {**good, "outputs": None}), ("outputs junk", {**good, "outputs": [1, 2, 3]}),
            ("changedPropIds junk", {**good, "changedPropIds": [{"a": 1}]}),
            ("changedPropIds not inputs", {**good, "changedPropIds": ["run-seed.value"]}),
            ("state of junk", {**good, "state": [None] * len(good["state"])})]


def test_bodies_of_the_wrong_shape_get_400(served: tuple) -> None:
    app, client, _ = served
    for what, payload in _shapes(app):
        raw = payload if isinstance(payload, str) else json.dumps(payload)
        response = client.post(URL, data=raw, content_type="application/json")
        text = response.get_data(as_text=True)
        assert response.status_code == 400, what
        assert text.startswith("Malformed callback request") and "Traceback" not in text, what
    assert client.post(URL, data="{}", content_type="text/plain").status_code == 400
    assert client.post(URL, data=b"x" * (17 * 1024 * 1024), content_type="application/json").status_code == 413


def test_zz_fuzzed_requests_were_all_answered() -> None:
    # Runs last in its worker: with -s, shows how the fuzzed requests were answered.
    print(f"\nfuzzed callback requests by status: {dict(ANSWERS)}")
    assert 500 not in ANSWERS
