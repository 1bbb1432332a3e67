"""Errors raised for bad user input, one class per kind of input.

Every error names where the problem is (file and key path, flag, directory), what was expected and what was
found, so the CLI can print it as one paragraph and exit with code 2 instead of a traceback:

    BadiaError                  anything the user can fix (the CLI and the dashboard catch this)
    ├── InputError              the shared (source, key, expected, found, hint) message format
    │   ├── ScenarioError       scenario, experiment, lesson and claims files, and overrides
    │   ├── UsageError          command-line flags, API arguments, unwritable output directories
    │   ├── BatchError          batch directories that are not, are damaged, or are another batch's
    │   ├── RunDirectoryError   run directories that are not, or are damaged
    │   ├── ClusterError        a Dask scheduler that cannot be reached or fails during a batch
    │   └── DashboardPathError  dashboard requests for paths and names it does not serve
    └── MissingExtraError       an optional extra is not installed
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class BadiaError(Exception):
    """Base class for every error the user can fix by changing their input.

    The CLI catches it, prints `error: <message>` on stderr and exits with code 2; the dashboard shows the
    message on the page. Python API users catch it (or one of its subclasses) the same way.
    """


FOUND_MAX_CHARS = 80  # a found value longer than this (as repr) is cut, so a message stays one paragraph


def shorten_value(value: object, limit: int = FOUND_MAX_CHARS) -> str:
    """The repr of a value, cut to `limit` characters with an ellipsis (a whole file's text is not echoed)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InputError(BadiaError):
    """Base of the errors that name a bad input: where it is (`source`: a file, a flag, a directory, the
    dashboard), which `key`, what was `expected`, what was `found` and a `hint` on how to fix it.

    The subclasses say what kind of input was wrong, so API users can catch one kind and let the others through;
    their messages share one style: "<source>: key '<key>': expected <expected>, found <found!r>. <hint>", with
    the repr of `found` cut to FOUND_MAX_CHARS characters.
    """

    def __init__(self, source: str, key: str, expected: str, found: object = None, hint: str = "") -> None:
        self.source = source
        self.key = key
        self.expected = expected
        self.found = found
        self.hint = hint
        where = f"{source}: key '{key}'" if key else f"{source}"
        msg = f"{where}: expected {expected}"
        if found is not None:
            msg += f", found {shorten_value(found)}"
        if hint:
            msg += f". {hint}"
        super().__init__(msg)


class ScenarioError(InputError):
    """A scenario, experiment, lesson or claims file is invalid, or an override of a scenario is.

    Raised by the file loaders (missing or unreadable file, malformed TOML or CSV, unknown key, bad value,
    broken reference) and for scenario overrides (`--set`, `overrides=`, the dashboard's overrides and parameter
    table): the fix is in the file or in the override. A scenario or experiment named on the command line that
    does not exist is one too. Claims files are scenario input: the scenario names them and they are checked
    against its places.
    """


class UsageError(InputError):
    """A command-line flag or Python API argument is wrong, or an output directory cannot be written.

    Examples: `--days 0` or `sim.run(..., days=0)`, a `--split` date outside the claims, `--out` naming a file or
    a directory holding other files, `badia compare` without a claims file when the run's scenario names none, an
    experiment given to the wrong command, a seed or days field of the dashboard's forms. The files are fine;
    the fix is in how the command or function was called.
    """


class BatchError(InputError):
    """A batch directory is not one, is damaged, or belongs to another batch.

    Raised when a directory read as a batch has no manifest, a manifest or run record that cannot be read, a run
    id it does not hold, or lacks what the command needs (finished design points, parameters, its scenario);
    and when `--out` resumes a batch directory of another experiment or scenario.
    """


class RunDirectoryError(InputError):
    """A directory read as a saved run (`badia compare`, `sim.read_run`, the dashboard) is not one, or is damaged:
    it is missing, misses one of its files, or a file cannot be read or does not fit the others."""


class ClusterError(InputError):
    """The Dask cluster of `--scheduler` cannot be used: its scheduler cannot be reached in time, or it fails
    while running a batch (the scheduler lost; a run whose workers died is an error record instead). Runs
    finished before a failure are kept."""


class DashboardPathError(InputError):
    """The dashboard refused something the browser asked to open: a path outside (or missing from) its runs
    directory, a scenario file outside the shipped scenario directories, an unknown scenario or lesson name."""


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
