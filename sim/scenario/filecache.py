"""Parsed input files kept between loads in one process, keyed by path, size and modification time.

A batch worker loads the same scenario for every run, with different overrides: parsing its TOML, its includes and
its outline GeoJSON again each time cost ~15 ms of a ~0.8 s Badia run. A file that changes on disk (another size
or mtime) is read afresh; only files that parsed without error are kept, and at most `MAX_FILES` of them. A value
built from several files (a scenario merged with its includes, `cached_build`) is kept while none of them changed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.scenario.tablecopy import copy_tables

MAX_FILES = 32
_CACHE: OrderedDict[tuple, Any] = OrderedDict()


def cached_parse(path: Path, kind: str, parse: Callable[[], Any], copy_result: bool = True) -> Any:
    """`parse()` of the file at `path`, or a copy of the last result for the same file as it is now on disk.

    `kind` tells apart different parses of one file. Mutable results (tables) are deep-copied on the way out, so
    a caller may change what it gets; pass `copy_result=False` for results nobody changes (shapely geometries).
    """
    stamp = _stamp(path)
    if stamp is None:
        return parse()  # the parse reports the problem in its own words
    key = (kind, str(path.resolve()), *stamp)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        value = _CACHE[key]
    else:
        value = parse()
        _remember(key, value)
    return copy_tables(value) if copy_result else value


def cached_build(path: Path, kind: str, build: Callable[[], tuple[Any, Sequence[Path]]]) -> Any:
    """`build()` of a value read from `path` and from other files, which `build` returns beside it; or a copy of
    the last value built from `path` while it and every one of those files are unchanged on disk (a scenario and
    its includes). The value is deep-copied on the way out, so a caller may change what it gets."""
    key = (kind, str(path.resolve()))
    hit = _CACHE.get(key)
    if hit is not None and all(_stamp(f) == stamp for f, stamp in hit[0]):
        _CACHE.move_to_end(key)
        return copy_tables(hit[1])
    value, files = build()
    _remember(key, (tuple((f, _stamp(f)) for f in (path, *files)), copy_tables(value)))
    return value


def _remember(key: tuple, value: Any) -> None:
    _CACHE[key] = value
    _CACHE.move_to_end(key)
    while len(_CACHE) > MAX_FILES:
        _CACHE.popitem(last=False)


def _stamp(path: Path) -> tuple[int, int] | None:
    """(size, mtime in ns) of a file, None if it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns
