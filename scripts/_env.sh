# Shared by scripts/serve and scripts/test: a virtual environment with the project installed.
# Usage: . scripts/_env.sh [extra]   (extra = "test" installs the test dependencies too)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv ..."
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
extra="${1:-}"
spec="."
[ -n "$extra" ] && spec=".[$extra]"
stamp=".venv/.installed-${extra:-base}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing the project and its dependencies ..."
  python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  python -m pip install --quiet --disable-pip-version-check -e "$spec"
  touch "$stamp"
fi
# The interface catalogues: .po files are committed, .mo files are built here (and by the app when stale).
pybabel compile --use-fuzzy -d kb/web/translations >/dev/null 2>&1 || echo "note: could not compile kb/web/translations; the interface falls back to English" >&2
