"""copy_tables: the copy of a parsed table the loader hands out equals it and shares nothing mutable with it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from sim.scenario.tablecopy import copy_tables

SCALARS = st.one_of(st.text(max_size=5), st.integers(), st.floats(allow_nan=False), st.booleans(), st.dates())
TABLES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4),
    st.tuples(inner, inner)), max_leaves=30)


def containers(value: object) -> list[int]:
    """ids of every dict and list in a tree."""
    if isinstance(value, dict):
        return [id(value), *(i for v in value.values() for i in containers(v))]
    if isinstance(value, list | tuple):
        own = [id(value)] if isinstance(value, list) else []
        return [*own, *(i for v in value for i in containers(v))]
    return []


@given(TABLES)
def test_the_copy_is_equal_and_shares_no_table_or_list(table: object) -> None:
    copied = copy_tables(table)
    assert copied == table
    assert not set(containers(copied)) & set(containers(table))


@dataclass
class Brought:
    files: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def test_other_objects_are_deep_copied() -> None:
    brought = Brought(["a.toml"], {"x"})
    copied = copy_tables(({"when": dt.date(2017, 5, 7)}, brought))
    copied[1].files.append("b.toml")
    copied[1].seen.add("y")
    assert brought == Brought(["a.toml"], {"x"}) and copied[0] == {"when": dt.date(2017, 5, 7)}
