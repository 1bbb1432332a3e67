"""What the browser sends is checked before a callback uses it.

Every Dash callback of the dashboard is registered with `callback(app, *deps, checks=..., message=...)`: one
check per Input and State says what the value may be (a short text, a click count, a list of table rows...).
A request whose values do not pass is answered with a short message in the view's message area (or with no
update when the callback has none), never with a 500 and a traceback. Requests whose very shape is wrong (not
a callback of this app, the wrong inputs) are refused by `refuse_malformed_bodies` with HTTP 400.

A BadiaError raised by a callback becomes its message too. Any other error of the kinds bad input causes
(TypeError, KeyError, ValueError, ...) is a bug, because the checks should have stopped the input: it is logged
with its traceback and the page gets a one-line message; with the app's `BADIA_STRICT` setting (the tests) it
propagates, so the bug is seen.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask import Response, current_app, has_app_context, request

from sim.errors import BadiaError, UsageError

log = logging.getLogger("sim.dashboard")

Check = Callable[[Any], Any]  # returns the value (possibly normalised) or raises Malformed
MAX_TEXT = 1_000  # names, paths, seeds, cache keys
MAX_LONG_TEXT = 100_000  # the overrides text areas
MAX_ROWS = 100_000  # table rows sent back by the page (the events of a long run)
MAX_NUMBER = 1e9  # slider days, click counts
MAX_BODY = 16 * 1024 * 1024  # bytes of one request
BUG_ERRORS = (TypeError, KeyError, ValueError, AttributeError, IndexError, OverflowError, ZeroDivisionError)


class Malformed(Exception):  # noqa: N818 - internal signal, never shown as such
    """A value the page could not have sent: what was expected, and what came (the UsageError it becomes cuts it
    short, as every input error does)."""

    def __init__(self, expected: str, found: Any) -> None:
        super().__init__(expected)
        self.expected = expected
        self.found = found  # the error shortens it (sim.errors.shorten_value)


def preview(value: Any, width: int = 60) -> Any:
    """A value as a plain-text answer (HTTP 400) may show it: itself if short, else the start of its text. Input
    errors need not call it: they cut `found` themselves (sim.errors.shorten_value)."""
    text = value if isinstance(value, str) else repr(value)
    return f"{text[:width]}… ({len(text)} characters)" if len(text) > width else value


# ---------------------------------------------------------------------------------------------------- checks
def text(max_len: int = MAX_TEXT) -> Check:
    """A string of at most `max_len` characters, or None."""

    def check(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or len(value) > max_len:
            raise Malformed(f"a text of at most {max_len} characters", value)
        return value

    return check


def choice(*allowed: str) -> Check:
    """One of `allowed`, or None."""

    def check(value: Any) -> str | None:
        if value is None or (isinstance(value, str) and value in allowed):
            return value
        raise Malformed(f"one of {', '.join(allowed)}", value)

    return check


def _real(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) \
        and abs(value) <= MAX_NUMBER


def whole(lo: int = 0, hi: float = MAX_NUMBER) -> Check:
    """A whole number in [lo, hi] (an integral float such as 3.0 counts), or None: click counts, days, ids."""

    def check(value: Any) -> int | None:
        if value is None:
            return None
        if not _real(value) or value != int(value) or not lo <= value <= hi:
            raise Malformed(f"a whole number between {lo} and {hi:g}", value)
        return int(value)

    return check


def flag(value: Any) -> bool | None:
    """True, False or None."""
    if value is None or isinstance(value, bool):
        return value
    raise Malformed("true or false", value)


def field(value: Any) -> str | int | float | None:
    """A form field (seed, days): text or a number; its meaning is checked by sim.dashboard.fields."""
    if value is None or (isinstance(value, str) and len(value) <= MAX_TEXT):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and abs(value) < 2**64:
        return value
    raise Malformed(f"a text of at most {MAX_TEXT} characters or a number", value)


def text_list(value: Any) -> list[str] | None:
    """A list of short strings (checklist values), or None."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 100 or not all(isinstance(v, str) and len(v) <= 100
                                                                   for v in value):
        raise Malformed("a list of short texts", value)
    return value


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, bool) or _real(value) or (isinstance(value, str)
                                                                        and len(value) <= MAX_TEXT)


def rows(value: Any) -> list[dict[str, Any]] | None:
    """Table rows: a list of objects of short text, number, true/false or null values, or None."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_ROWS:
        raise Malformed(f"a list of at most {MAX_ROWS} table rows", value)
    for row in value:
        if not isinstance(row, dict) or not all(isinstance(k, str) and _scalar(v) for k, v in row.items()):
            raise Malformed("table rows (objects of texts and numbers)", row)
    return value


def cell(value: Any) -> dict[str, Any] | None:
    """A DataTable's active cell ({row, column, column_id, ...}), or None."""
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) and _scalar(v) for k, v in value.items()):
        raise Malformed("a table cell (row and column)", value)
    if value.get("row") is not None:
        value = {**value, "row": whole(0, MAX_ROWS)(value["row"])}
    return value


count = whole(0)  # n_clicks, n_intervals
day = whole(0)  # a day slider's value or maximum
key = text(64)  # a result-cache key or job id (uuid hex)


# ---------------------------------------------------------------------------------------------------- callbacks
def strict() -> bool:
    """Whether unexpected errors propagate (the app's BADIA_STRICT setting, on in the tests)."""
    return has_app_context() and bool(current_app.config.get("BADIA_STRICT"))


def callback(app: Dash, *deps: Output | Input | State, checks: Sequence[Check], message: str | None = None,
             **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`app.callback(*deps, **kwargs)` with each Input and State value checked by `checks` (in order).

    `message` is the id of the output (its `children`) that shows what went wrong; without one, a bad request
    is answered with no update (HTTP 204).
    """
    outputs = [d for d in deps if isinstance(d, Output)]
    args = [d for d in deps if isinstance(d, Input | State)]
    if len(checks) != len(args):
        raise TypeError(f"{len(args)} inputs and states but {len(checks)} checks")
    slot = None
    if message is not None:
        slot = next(i for i, o in enumerate(outputs)
                    if o.component_id == message and o.component_property == "children")

    def answer(text: str) -> Any:
        if slot is None:
            raise PreventUpdate
        if len(outputs) == 1:
            return text
        return tuple(text if i == slot else no_update for i in range(len(outputs)))

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def guarded(*values: Any) -> Any:
            checked = []
            for dep, chk, value in zip(args, checks, values, strict=True):
                try:
                    checked.append(chk(value))
                except Malformed as bad:
                    err = UsageError("dashboard request", f"{dep.component_id}.{dep.component_property}",
                                     bad.expected, bad.found, "Reload the page.")
                    log.warning("refused: %s", err)
                    return answer(str(err))
            try:
                return func(*checked)
            except BadiaError as exc:
                return answer(str(exc))
            except BUG_ERRORS as exc:
                if strict():
                    raise
                log.exception("dashboard callback %s failed", func.__qualname__)
                return answer(f"Internal error ({type(exc).__name__}); the details are in the server's log.")

        guarded.badia_checks = tuple(checks)  # type: ignore[attr-defined]
        return app.callback(*deps, **kwargs)(guarded)

    return decorate


# ---------------------------------------------------------------------------------------------------- requests
def _same(sent: Any, declared: list[dict[str, Any]]) -> bool:
    """Whether `sent` (a request's inputs, state or outputs) names exactly the `declared` ids and properties."""
    if not isinstance(sent, list) or len(sent) != len(declared):
        return False
    return all(isinstance(s, dict) and s.get("id") == d["id"]
               and str(s.get("property", "")).split("@")[0] == str(d["property"]).split("@")[0]
               for s, d in zip(sent, declared, strict=True))


def body_problem(app: Dash, body: Any) -> str | None:
    """What is wrong with the shape of a callback request body (None: nothing)."""
    if not isinstance(body, dict):
        return "the request body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in app.callback_map \
            or app.callback_map[output].get("callback") is None:  # clientside callbacks run in the browser only
        return f"no callback has the output {preview(output)}"
    cb = app.callback_map[output]
    if not _same(body.get("inputs"), cb["inputs"]) or not _same(body.get("state", []), cb["state"]):
        return f"the inputs or state do not match the callback of {preview(output)}"
    declared = cb["output"] if isinstance(cb["output"], list) else [cb["output"]]
    sent = body.get("outputs")
    sent = [sent] if isinstance(sent, dict) and not isinstance(cb["output"], list) else sent
    if not _same(sent, [{"id": o.component_id, "property": o.component_property} for o in declared]):
        return f"the outputs do not match the callback of {preview(output)}"
    changed = body.get("changedPropIds", [])
    names = {f"{d['id']}.{d['property']}" for d in cb["inputs"]}
    if not isinstance(changed, list) or not all(isinstance(c, str) and c in names for c in changed):
        return "changedPropIds names properties that are not inputs of the callback"
    return None


def refuse_malformed_bodies(app: Dash) -> None:
    """Answer callback requests of the wrong shape with HTTP 400 and a one-line reason, before Dash reads them
    (it would fail on them with a traceback); bodies over MAX_BODY bytes get HTTP 413."""
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    endpoint = app.config.requests_pathname_prefix.rstrip("/") + "/_dash-update-component"

    @app.server.before_request
    def _check_body() -> Response | None:
        if request.method != "POST" or request.path != endpoint:
            return None
        problem = body_problem(app, request.get_json(silent=True))
        if problem is None:
            return None
        log.warning("refused a callback request: %s", problem)
        return Response(f"Malformed callback request: {problem}.", status=400, mimetype="text/plain")
