#!/usr/bin/env bash
# The README's test command (CI runs exactly this): install what the tests need, then run them twice, on the
# two Mesa lines Badia supports: mesa 3.3 on this Python (3.11), and mesa 3.5 on Python 3.12 or later.
#
# Browser tests drive Debian's chromium through Playwright (Playwright's own browser download does not work
# here), so chromium is installed from Debian's packages when it is missing. Solara's page files come from a
# CDN this machine cannot reach; scripts/solara_assets.py puts them in Solara's cache from the npm registry.
# Arguments are passed to pytest, e.g. `bash scripts/test.sh -m "not slow and not browser"` (the quick loop).
# Each leg runs on 2 pytest-xdist workers (BADIA_TEST_WORKERS; `-n 0` in the arguments runs serially).
WORKERS="${BADIA_TEST_WORKERS:-2}"
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi
python -m pip install -q -e ".[dev]"
python scripts/solara_assets.py >/dev/null
ruff check sim tests experiments scripts
echo "== $(python -c 'import sys, mesa; print(f"Python {sys.version.split()[0]}, mesa {mesa.__version__}")')"
python -m pytest -n "$WORKERS" "$@"

# Second leg: mesa 3.5 needs Python >= 3.12. Its virtual environment is kept between runs (BADIA_VENV312).
PY312=""
for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python \
                 "$(command -v python3.12 || true)" "$(command -v python3.13 || true)"; do
  # pyenv's shims exist for versions that are not selected, and fail when run: try each one
  if [ -n "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
    PY312="$candidate"; break
  fi
done
if [ -z "$PY312" ]; then
  echo "warning: no Python 3.12 or later found; the mesa 3.5 leg did not run (install one, e.g. pyenv install 3.12)" >&2
  exit 0
fi
VENV="${BADIA_VENV312:-${XDG_CACHE_HOME:-$HOME/.cache}/badia/venv-py312}"
[ -x "$VENV/bin/python" ] || "$PY312" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q -e ".[dev]"
"$VENV/bin/python" scripts/solara_assets.py >/dev/null
echo "== $("$VENV/bin/python" -c 'import sys, mesa; print(f"Python {sys.version.split()[0]}, mesa {mesa.__version__}")')"
"$VENV/bin/python" -m pytest -n "$WORKERS" "$@"
