#!/usr/bin/env bash
# Install everything into .venv, generate the demo Peru dataset into SQLite and serve the app on
# http://127.0.0.1:8000 . Extra arguments go to `chamba demo` (e.g. --size 10000 --seed 3).
source "$(dirname "$0")/_env.sh"
exec chamba demo "$@"
