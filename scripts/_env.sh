# Sourced by scripts/demo.sh and scripts/test.sh: creates .venv (Python 3.11) and installs the
# pinned dependencies when pyproject.toml or the constraints changed. Safe to run repeatedly.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-}"
if [[ -z "$PY" ]]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY="$candidate"; break
    fi
  done
fi
[[ -n "$PY" ]] || { echo "error: Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
# ensurepip's pip (23.2.1 with Python 3.11.7) has a known advisory (PYSEC-2023-228, fixed in 23.3);
# the venv's pip is pinned like every other package (scripts/audit_deps.py --installed checks it).
PIP_PIN=26.3
if [[ "$(.venv/bin/python -m pip --version | cut -d' ' -f2)" != "$PIP_PIN" ]]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "pip==$PIP_PIN"
fi
STAMP=.venv/.chamba-installed
WANT="$(cat pyproject.toml requirements/constraints.txt | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANT" ]]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -c requirements/constraints.txt -e ".[dev]"
  echo "$WANT" > "$STAMP"
fi
export PATH="$ROOT/.venv/bin:$PATH"
