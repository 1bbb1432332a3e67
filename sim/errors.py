"""Errors raised for bad user input.

Every error names where the problem is (file and key path), what was expected and what was found, so
the CLI can print it as one paragraph and exit with code 2 instead of a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class BadiaError(Exception):
    """Base class for every error the user can fix by changing their input."""


class ScenarioError(BadiaError):
    """A scenario (or experiment) file, or an override of it, is invalid."""

    def __init__(self, source: str, key: str, expected: str, found: object = None, hint: str = "") -> None:
        self.source = source
        self.key = key
        self.expected = expected
        self.found = found
        self.hint = hint
        where = f"{source}: key '{key}'" if key else f"{source}"
        msg = f"{where}: expected {expected}"
        if found is not None:
            msg += f", found {found!r}"
        if hint:
            msg += f". {hint}"
        super().__init__(msg)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean ...?' hint for a misspelt name, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"Did you mean '{close[0]}'?" if close else ""


class MissingExtraError(BadiaError):
    """A command or module needs an optional extra that is not installed."""


def missing_extra(extra: str, what: str, exc: ImportError) -> MissingExtraError:
    """The error for `what` needing the optional extra `extra`, naming the module that failed to import."""
    module = getattr(exc, "name", None) or str(exc)
    return MissingExtraError(f"{what} needs the optional extra '{extra}', which is not installed (could not import "
                             f"{module!r}). Install it with: pip install 'badia[{extra}]' (or, in a checkout, "
                             f"pip install -e '.[{extra}]').")
