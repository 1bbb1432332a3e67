#!/usr/bin/env bash
# The README's test command (CI runs exactly this): install what the tests need, then run them.
# Browser tests drive Debian's chromium through Playwright (Playwright's own browser download does not
# work here), so chromium is installed from Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi
python -m pip install -q -e ".[dev]"
ruff check sim tests experiments scripts
python -m pytest "$@"
