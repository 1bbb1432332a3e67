"""Parsed input files kept between loads in one process, keyed by path, size and modification time.

A batch worker loads the same scenario for every run, with different overrides: parsing its TOML, its includes and
its outline GeoJSON again each time cost ~15 ms of a ~0.8 s Badia run. A file that changes on disk (another size
or mtime) is read afresh; only files that parsed without error are kept, and at most `MAX_FILES` of them.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

MAX_FILES = 32
_CACHE: OrderedDict[tuple, Any] = OrderedDict()


def cached_parse(path: Path, kind: str, parse: Callable[[], Any], copy_result: bool = True) -> Any:
    """`parse()` of the file at `path`, or a copy of the last result for the same file as it is now on disk.

    `kind` tells apart different parses of one file. Mutable results (tables) are deep-copied on the way out, so
    a caller may change what it gets; pass `copy_result=False` for results nobody changes (shapely geometries).
    """
    try:
        st = path.stat()
    except OSError:
        return parse()  # the parse reports the problem in its own words
    key = (kind, str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        value = _CACHE[key]
    else:
        value = parse()
        _CACHE[key] = value
        while len(_CACHE) > MAX_FILES:
            _CACHE.popitem(last=False)
    return copy.deepcopy(value) if copy_result else value
