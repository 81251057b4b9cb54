"""Serve the real app for browser tests: ``python live_server.py PORT DATA_DIR``.

Migrates a fresh SQLite database in DATA_DIR, loads the catalogue, uses a lexicon-only skill
extractor (no model download or load; extraction quality is tested in tests/nlp) and serves with
uvicorn on 127.0.0.1:PORT.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from chamba.api.app import create_app, prepare_database
from chamba.config import load_settings
from chamba.db import make_engine, session_scope
from chamba.nlp.extraction import SkillExtractor


def main(port: int, data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(data_dir=data_dir, env="test", log_level="WARNING")
    engine = make_engine(settings.sqlalchemy_url)
    prepare_database(engine)
    app = create_app(settings, engine)
    with session_scope(engine) as session:
        app.state.skill_extractor = SkillExtractor.from_session(session, semantic=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
