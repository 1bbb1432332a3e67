"""Copies of parsed TOML tables: dicts, lists and tuples of immutable scalars, copied without `copy.deepcopy`.

A batch loads its scenario for every run, and each load copies the merged table twice (out of the file cache, then
to apply the run's overrides): `deepcopy`'s memo and dispatch made that ~4 ms of a ~0.7 s Badia run, three times
what copying the containers costs.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import PurePath
from typing import Any

_IMMUTABLE = (str, int, float, bool, type(None), dt.date, dt.time, dt.datetime, PurePath)


def copy_tables(value: Any) -> Any:
    """A copy of `value` sharing nothing mutable with it: dicts, lists and tuples are rebuilt, immutable scalars
    shared, and anything else (a dataclass, a set) deep-copied."""
    kind = type(value)
    if kind is dict:
        return {key: copy_tables(item) for key, item in value.items()}
    if kind is list:
        return [copy_tables(item) for item in value]
    if kind is tuple:
        return tuple(copy_tables(item) for item in value)
    if isinstance(value, _IMMUTABLE):
        return value
    return copy.deepcopy(value)
