"""Whether a path is a claims file at all: a UTF-8 `.csv` file whose header has the claims columns.

The scenario loader checks `scenario.claims` with this before any run starts (sim.io.claims reads the rows
later). It needs neither pandas nor the rows, so loading a scenario stays cheap; and its messages never quote
the file, which may be anything (`/etc/passwd`, an image, a directory).
"""

from __future__ import annotations

import csv
from pathlib import Path

from sim.errors import ScenarioError

CLAIM_COLUMNS = ["date", "faction", "measure", "value", "low", "high", "source", "quote"]
EXPECTED = f"a claims CSV file (.csv, UTF-8, with the columns {', '.join(CLAIM_COLUMNS)})"
HEADER_BYTES = 65536  # a header longer than this is not a claims header


def check_claims_file(path: str | Path, source: str, key: str) -> None:
    """Raise ScenarioError (naming `source` and `key`) unless `path` is a readable claims CSV with its header.

    Only the path is quoted in the message, never the file's contents.
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioError(source, key, f"the path of an existing {EXPECTED}", str(path),
                            "The file does not exist (the path is relative to the scenario file).")
    if not path.is_file():
        raise ScenarioError(source, key, EXPECTED, str(path), "It is a directory, not a file."
                            if path.is_dir() else "It is not a regular file.")
    if path.suffix.lower() != ".csv":
        raise ScenarioError(source, key, EXPECTED, str(path), "The file name does not end in .csv.")
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
    except OSError as exc:
        raise ScenarioError(source, key, EXPECTED, str(path), f"It cannot be read ({exc.strerror}).") from None
    first = head.split(b"\n", 1)[0]
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(source, key, EXPECTED, str(path), "It is not UTF-8 text (a binary file?).") from None
    try:
        header = next(csv.reader([text.rstrip(chr(13))]), [])
    except csv.Error:
        header = []
    missing = [c for c in CLAIM_COLUMNS if c not in header]
    if missing:
        raise ScenarioError(source, key, EXPECTED, str(path),
                            f"Its first line is not a claims header: the columns {', '.join(missing)} are missing.")
