#!/usr/bin/env bash
# Install everything into .venv and run the whole test suite: lint, then pytest on SQLite and on a
# real PostgreSQL 16 that the suite starts itself (pgserver). Extra arguments go to pytest.
source "$(dirname "$0")/_env.sh"
# Prometheus and promtool (Debian's package) for the tests of deploy/prometheus: installed once.
if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  if [[ "$(id -u)" == 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } \
      || echo "warning: could not install prometheus; tests/deploy will say so" >&2
  else
    echo "warning: prometheus/promtool not installed and not root; their tests will be skipped" >&2
  fi
fi
# --- web: Chromium (Debian's package) for the browser tests of tests/web (Playwright drives the
# system browser; `playwright install` is never run). Installed once, only as root.
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  else
    echo "warning: /usr/bin/chromium missing and not root; the browser tests will be skipped" >&2
  fi
fi
# --- end web
ruff check src tests benchmarks scripts
lint-imports --no-cache  # the import contracts of pyproject.toml (one-way layers)
mypy  # strict, with the pydantic plugin: [tool.mypy] in pyproject.toml
# Known vulnerabilities in the pinned set and in what .venv holds beyond it (pip): PyPI's list for
# pins that are the latest release, plus an offline OSV database where CHAMBA_ADVISORY_DB names one
# (none is shipped; requirements/advisories/README.md)
# Exit 3 means no source answered (no database, PyPI unreachable): the output says NOT CHECKED, and
# a machine without network still runs the tests; a finding (1) or bad input (2) fails the build.
python scripts/audit_deps.py --installed || { rc=$?; [[ $rc == 3 ]] || exit "$rc"; }
exec python -m pytest -p no:cacheprovider "$@"
