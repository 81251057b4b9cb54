"""Learning fixtures: one small demo Peru (300 people) in its own SQLite file, its dataset, a
quickly trained ranker, and a fast hashed encoder standing in for the multilingual USE."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from tests.support.encoders import HashEncoder

from chamba.api.app import prepare_database
from chamba.db import make_engine
from chamba.demo.generator import generate_demo
from chamba.learning.dataset import Dataset, build_dataset
from chamba.learning.ranker import RankerConfig, TrainedRanker, train_ranker
from chamba.matching.embeddings import MatchIndexes, build_indexes

DEMO_SIZE = 300
FAST = RankerConfig(epochs=6, patience=6, seed=7)


@dataclass
class DemoWorld:
    engine: Engine
    folder: Path
    gt_dir: Path
    indexes: MatchIndexes

    @property
    def url(self) -> str:
        return f"sqlite:///{self.folder / 'demo.db'}"


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoWorld]:
    folder = tmp_path_factory.mktemp("learning-demo")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    prepare_database(engine)
    generate_demo(engine, size=DEMO_SIZE, seed=7, out_dir=folder / "gt")
    with Session(engine) as session:
        indexes = build_indexes(session, HashEncoder())
    yield DemoWorld(engine, folder, folder / "gt", indexes)
    engine.dispose()


@pytest.fixture(scope="session")
def demo_dataset(demo_world: DemoWorld) -> Dataset:
    with Session(demo_world.engine) as session:
        return build_dataset(session, demo_world.indexes)


def fit(ds: Dataset, config: RankerConfig = FAST, version: str = "ranker-test") -> TrainedRanker:
    tr, va = ds.mask("train"), ds.mask("validation")
    ranker, _ = train_ranker(
        ds.features[tr], ds.grade[tr], ds.group[tr], ds.position[tr],
        negative=ds.negative[tr],
        validation=(ds.features[va], ds.grade[va], ds.group[va], ds.item_id[va]),
        config=config, version=version,
    )  # fmt: skip
    return ranker


@pytest.fixture(scope="session")
def trained(demo_dataset: Dataset) -> TrainedRanker:
    return fit(demo_dataset)
