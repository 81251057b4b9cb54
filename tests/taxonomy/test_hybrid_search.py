"""Skill and occupation search finds concepts by meaning and despite typos (real catalogue,
real multilingual encoder), not only by the words of their names."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamba.nlp import service as nlp_service
from chamba.nlp.encoder import TextEncoder, get_encoder
from chamba.taxonomy import repository, service
from chamba.taxonomy.catalogue import load_catalogue
from chamba.taxonomy.models import Occupation
from chamba.taxonomy.schemas import SearchHit
from chamba.text import normalize

Search = Callable[[str], list[SearchHit]]


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    model = get_encoder(threads=2)
    model.encode(["warm up"])
    return model


@pytest.fixture
def catalogue(session: Session) -> Session:
    load_catalogue(session)
    session.flush()
    return session


def _skills(session: Session, encoder: TextEncoder) -> Search:
    return lambda q: service.search_skills(
        session,
        q,
        10,
        similar=lambda t, k: nlp_service.similar_skills(session, t, k, encoder=encoder),
    )


def _occupations(session: Session, encoder: TextEncoder) -> Search:
    return lambda q: service.search_occupations(
        session, q, 10,
        similar=lambda t, k: nlp_service.similar_occupations(session, t, k, encoder=encoder),
    )  # fmt: skip


def _top3(hits: list[SearchHit]) -> list[str]:
    return [h.id for h in hits[:3]]


SKILLS = [
    ("ayudar a los compradores", "customer_attention"),  # paraphrase: no name has these words
    ("llevo pedidos a las casas en mi moto", "motorcycle_delivery"),  # paraphrase
    ("manejar moto", "motorcycle_delivery"),  # a synonym now: the words find it too
    ("soldadra", "arc_welding"),  # typo
    ("vendo ropa por facebook", "social_selling"),
]
OCCUPATIONS = [
    ("electrisista", "residential_electrician"),  # typo
    ("cuidar abuelitos", "home_care_worker"),  # colloquial paraphrase
    ("manejar moto", "delivery_rider"),
]


def test_concepts_by_meaning_and_despite_typos(catalogue: Session, encoder: TextEncoder) -> None:
    # GIVEN the catalogue WHEN people type paraphrases and typos THEN the concept is in the top 3
    skills, occupations = _skills(catalogue, encoder), _occupations(catalogue, encoder)
    for query, skill in SKILLS:
        assert skill in _top3(skills(query)), (query, [h.label for h in skills(query)[:5]])
    for query, occupation in OCCUPATIONS:
        found = occupations(query)
        assert occupation in _top3(found), (query, [h.label for h in found[:5]])
    # AND the words alone (what search did before) miss the paraphrases
    for query, skill in SKILLS[:2]:
        assert skill not in _top3(service._lexical(catalogue, repository.SKILLS, query, 10, "es"))
    # AND an exact label keeps tier 0 and the top
    hits = occupations("albañil")
    assert hits[0].label.casefold().startswith("albañil")
    assert hits[0].tier == 0


def test_esco_occupation_by_paraphrase(
    catalogue: Session, encoder: TextEncoder, shared_data: Path
) -> None:
    # GIVEN the real ESCO engineering and construction occupations (ISCO 21xx, 31xx, 71xx)
    taken = set(catalogue.scalars(select(Occupation.esco_uri)))  # the catalogue links some
    rows = {}
    with (shared_data / "esco" / "occupations_es.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if r["iscoGroup"][:2] in ("21", "31", "71") and r["conceptUri"] not in taken:
                rows[r["conceptUri"]] = r
    for uri, r in rows.items():
        synonyms = [s for s in r["altLabels"].split("\n") if s.strip()]
        catalogue.add(
            Occupation(
                id="esco_" + uri.rsplit("/", 1)[-1][:40], isco_code=r["iscoGroup"],
                label_es=r["preferredLabel"], label_en=r["preferredLabel"], synonyms_es=synonyms,
                synonyms_en=[], esco_uri=uri, source="esco",
                search_text=service.search_text(r["preferredLabel"], r["preferredLabel"], synonyms),
            )
        )  # fmt: skip
    catalogue.flush()
    search = _occupations(catalogue, encoder)
    # WHEN people describe the trade in their own words THEN it is in the top 3
    for query in ("técnico en ingeniería civil", "tecnico en obras civiles"):
        labels = [normalize(h.label) for h in search(query)[:3]]
        assert any("tecnico civil" in label for label in labels), (query, labels)
