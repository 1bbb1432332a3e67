"""The gazetteer: positions for place names a scenario's files do not give, from packaged GeoNames data.

`scenarios/data/geonames_levant.csv` (built by scripts/make_gazetteer.py; provenance in
scenarios/data/SOURCES.md) holds the GeoNames cities500 places of Syria, Iraq, Jordan, Lebanon and south-east
Turkey with their Latin-script alternate names. It is read offline, once per process. A name is matched after
folding: case, accents, apostrophes and `‘ayn` marks, hyphens and a leading Arabic article (`al-`, `as-`,
`Ar `...) do not count, so "al-Sukhnah", "As Sukhnah" and "Sukhnah" are the same name.

Every coordinate taken from here is announced with a `GazetteerWarning` (Python's warnings module) naming the
GeoNames record, so a reader can check it: `badia validate` and `badia run` show it on stderr, and a caller
can collect them with `warnings.catch_warnings(record=True)`.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

GAZETTEER_FILE = "geonames_levant.csv"
DATASET = "GeoNames cities500, 2023-03-05, CC BY 4.0"
COVERAGE = "Syria, Iraq, Jordan, Lebanon and south-east Turkey"

_ARTICLE = re.compile(r"^(?:al|el|as|ash|ad|adh|ar|at|ath|az|an|ad|es|ed|er|ez|et|en)\s+(?=\S)")
_MARKS = str.maketrans({c: "" for c in "'`\u2018\u2019\u02bb\u02bc\u02be\u02bf\u0060\u00b4\""})


class GazetteerWarning(UserWarning):
    """A position came from the gazetteer, not from the scenario or its includes."""


def announce(source: str, key: str, message: str, name: str) -> None:
    """Issue a GazetteerWarning located at the scenario file's line naming `name` (so the warning shows it)."""
    lineno = 0
    try:
        for i, line in enumerate(Path(source).read_text(encoding="utf-8").splitlines(), start=1):
            if f'"{name}"' in line:
                lineno = i
                break
    except (OSError, UnicodeDecodeError, ValueError):
        pass
    warnings.warn_explicit(f"key '{key}': {message}", GazetteerWarning, source, lineno)


def fold(name: str) -> str:
    """The form names are compared in: ASCII, lower case, no apostrophes, hyphens as spaces, no leading article."""
    text = unicodedata.normalize("NFKD", name.translate(_MARKS)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[\s\-_.,()/]+", " ", text.lower()).strip()
    return _ARTICLE.sub("", text)


@dataclass(frozen=True)
class Record:
    """One GeoNames place."""

    geonameid: int
    name: str
    lon: float
    lat: float
    population: int
    country: str
    admin1: str
    feature_code: str
    names: tuple[str, ...]  # the name and its alternate names

    def provenance(self) -> str:
        """How a warning and a place's `source` cite the record."""
        return (f"gazetteer: GeoNames {self.geonameid} '{self.name}' ({self.country}, {self.feature_code}, "
                f"population {self.population:,}; {DATASET})")


@dataclass(frozen=True)
class Match:
    """The record a name resolved to, and the other records of the same name."""

    record: Record
    others: tuple[Record, ...]

    def describe(self) -> str:
        text = self.record.provenance()
        if self.others:
            ids = ", ".join(str(r.geonameid) for r in self.others[:5])
            text += (f"; {len(self.others)} other record(s) share the name (GeoNames {ids}): give lon and lat "
                     "to choose another")
        return text


class Gazetteer:
    """Records indexed by folded name."""

    def __init__(self, records: Iterable[Record], path: Path | None = None) -> None:
        self.records = tuple(records)
        self.path = path
        self.index: dict[str, list[Record]] = {}
        for r in self.records:
            for n in {fold(n) for n in r.names}:
                if n:
                    self.index.setdefault(n, []).append(r)

    def lookup(self, name: str, bbox: Sequence[float] | None = None) -> Match | None:
        """The record of a name: inside the bbox first, then the one whose own name it is, then the most populous."""
        found = self.index.get(fold(name))
        if not found:
            return None

        def rank(r: Record) -> tuple[bool, bool, int, int]:
            inside = bbox is not None and bbox[0] <= r.lon <= bbox[2] and bbox[1] <= r.lat <= bbox[3]
            return (not inside, fold(r.name) != fold(name), -r.population, r.geonameid)

        ordered = sorted(found, key=rank)
        return Match(ordered[0], tuple(ordered[1:]))

    def near(self, name: str, n: int = 4) -> list[str]:
        """Names of records close to `name` (for a 'did you mean' hint), as 'Name (GeoNames id, CC)'."""
        out: list[str] = []
        for key in difflib.get_close_matches(fold(name), list(self.index), n=n, cutoff=0.75):
            r = max(self.index[key], key=lambda r: r.population)
            label = f"'{r.name}' (gazetteer: GeoNames {r.geonameid}, {r.country})"
            if label not in out:
                out.append(label)
        return out


def read_gazetteer(path: Path) -> Gazetteer:
    """Read a gazetteer CSV (columns of scripts/make_gazetteer.py)."""
    with open(path, encoding="utf-8", newline="") as fh:
        records = [Record(geonameid=int(r["geonameid"]), name=r["name"], lon=float(r["lon"]), lat=float(r["lat"]),
                          population=int(r["population"] or 0), country=r["country"], admin1=r["admin1"],
                          feature_code=r["feature_code"],
                          names=(r["name"], *[a for a in r["ascii_names"].split("|") if a]))
                   for r in csv.DictReader(fh)]
    return Gazetteer(records, path)


@functools.lru_cache(maxsize=4)
def _cached(path: Path) -> Gazetteer:
    return read_gazetteer(path)


def default_gazetteer() -> Gazetteer:
    """The packaged gazetteer (the first data directory holding it); an empty one if none does."""
    from sim.scenario.includes import data_dirs

    for d in data_dirs():
        path = d / GAZETTEER_FILE
        if path.is_file():
            return _cached(path.resolve())
    return Gazetteer(())
