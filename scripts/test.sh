#!/usr/bin/env bash
# Install everything into .venv and run the whole test suite: lint, then pytest on SQLite and on a
# real PostgreSQL 16 that the suite starts itself (pgserver). Extra arguments go to pytest.
source "$(dirname "$0")/_env.sh"
ruff check src tests benchmarks
exec python -m pytest -p no:cacheprovider "$@"
