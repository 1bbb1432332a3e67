#!/usr/bin/env bash
# The README's test command (CI runs exactly this): install what the tests need, then run them twice, on the
# two Mesa lines Badia supports: mesa 3.3 on Python 3.11, and mesa 3.5 on Python 3.12 or later.
#
# Everything is installed into virtual environments inside the checkout (.venv, and .venv-py312 for the second
# leg; both ignored by git), never into the machine's Python: Debian's and Ubuntu's python3 refuse `pip install`
# outside a venv (externally-managed-environment). On Debian and Ubuntu, `python3 -m venv` needs the python3-venv
# package. BADIA_PYTHON picks the interpreter of the first leg (default: python3), BADIA_VENV and BADIA_VENV312
# the two environments' directories.
#
# Only one step needs root: browser tests drive Debian's chromium through Playwright (Playwright's own browser
# download does not work here), so the chromium package is installed with apt-get when it is missing, as root or
# through sudo, after saying so. Without root or sudo the browser tests are left out, with a warning. Solara's
# page files come from a CDN this machine cannot reach; scripts/solara_assets.py puts them in Solara's cache
# from the npm registry.
#
# Arguments are passed to pytest, e.g. `bash scripts/test.sh -m "not slow and not browser"` (the quick loop).
# Each leg runs on 2 pytest-xdist workers (BADIA_TEST_WORKERS; `-n 0` in the arguments runs serially).
set -euo pipefail

say() { echo "== $*"; }
warn() { echo "warning: $*" >&2; }

# The pytest arguments "$@" with the browser tests left out (printed one per line): their modules ignored (they
# refuse to load without chromium) and the `browser` marker deselected, combined with any -m the caller gave.
browserless_args() {
  local marked=""
  echo "--ignore-glob=*_browser.py"
  while [ $# -gt 0 ]; do
    if [ "$1" = "-m" ] && [ $# -ge 2 ]; then
      printf '%s\n' "-m" "($2) and not browser"; marked=1; shift 2
    else
      printf '%s\n' "$1"; shift
    fi
  done
  [ -n "$marked" ] || printf '%s\n' "-m" "not browser"
}

# Install Debian's chromium if it is missing and this user may (root, or sudo); return 1 if it is not installed.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      warn "chromium is not installed, and installing it needs root (this user is not root and has no sudo):" \
           "the browser tests are left out. As root: apt-get install chromium"
      return 1
    fi
    sudo=(sudo)
  fi
  say "The browser tests need Debian's chromium package, the one step that needs root${sudo:+ (through sudo: it may ask for your password)}:"
  say "apt-get update && apt-get install chromium (about 100 MB to download the first time)"
  if "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y chromium; then
    return 0
  fi
  warn "chromium could not be installed: the browser tests are left out. As root: apt-get install chromium"
  return 1
}

# Make (or reuse) a virtual environment at $2 with the Python $1, and install badia with the dev extra into it.
ensure_venv() {
  local python="$1" venv="$2"
  if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then  # missing, or half-made by a venv without pip
    say "Making a virtual environment in $venv ($python -m venv)"
    rm -rf "$venv"
    if ! "$python" -m venv "$venv"; then
      rm -rf "$venv"
      echo "error: '$python -m venv $venv' failed. On Debian and Ubuntu the venv module is a separate package:" \
           "apt-get install python3-venv (as root), then run this again." >&2
      exit 2
    fi
  fi
  say "Installing badia[dev] into $venv (a few minutes the first time)"
  "$venv/bin/python" -m pip install -q -e ".[dev]"
  "$venv/bin/python" scripts/solara_assets.py >/dev/null
}

# The first Python 3.12 or later found (pyenv's versions, then python3.12/3.13 on PATH), or nothing.
find_python312() {
  local candidate
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python \
                   "$(command -v python3.12 || true)" "$(command -v python3.13 || true)"; do
    # pyenv's shims exist for versions that are not selected, and fail when run: try each one
    if [ -n "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
}

run_leg() {  # run the suite with the venv's Python: $1 the venv, then pytest's arguments
  local venv="$1"; shift
  say "$("$venv/bin/python" -c 'import sys, mesa; print(f"Python {sys.version.split()[0]}, mesa {mesa.__version__}")') ($venv)"
  "$venv/bin/python" -m pytest -n "$WORKERS" "$@"
}

main() {
  WORKERS="${BADIA_TEST_WORKERS:-2}"
  cd "$(dirname "$0")/.."
  local args=("$@")
  if ! ensure_chromium; then
    mapfile -t args < <(browserless_args "$@")
  fi
  local venv="${BADIA_VENV:-.venv}"
  ensure_venv "${BADIA_PYTHON:-python3}" "$venv"
  "$venv/bin/python" -m ruff check sim tests experiments scripts
  run_leg "$venv" "${args[@]}"

  # Second leg: mesa 3.5 needs Python >= 3.12.
  local py312
  py312="$(find_python312)"
  if [ -z "$py312" ]; then
    warn "no Python 3.12 or later found; the mesa 3.5 leg did not run (install one, e.g. pyenv install 3.12)"
    return 0
  fi
  local venv312="${BADIA_VENV312:-.venv-py312}"
  ensure_venv "$py312" "$venv312"
  run_leg "$venv312" "${args[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then  # run, not sourced (tests source it to call its functions)
  main "$@"
fi
