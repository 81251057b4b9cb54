"""The lexical feature's terms: a person's phrases count, not only their scattered words."""

from __future__ import annotations

import numpy as np
from sqlalchemy.orm import Session

from chamba.matching.context import FeatureContext
from chamba.matching.features import JOB_FEATURES, job_features
from chamba.matching.lexical_terms import labels_terms, pairs, posting_terms, text_terms
from chamba.search import terms

from .conftest import NOW, World

LEXICAL = JOB_FEATURES.index("lexical")


def test_neighbouring_words_are_terms_of_their_own() -> None:
    # GIVEN a text with stop words between its words
    found = text_terms("Trabajo de campo en zonas rurales")
    # THEN the words and stems are there as before, then each pair of neighbours (stemmed)
    assert found[: len(terms("Trabajo de campo en zonas rurales"))] == terms(
        "Trabajo de campo en zonas rurales"
    )
    assert found[-3:] == ["trabaj camp", "camp zona", "zona rural"]
    assert pairs(["gestion"]) == []


def test_skill_labels_pair_only_within_a_label() -> None:
    found = labels_terms(["Caja registradora", "Atención al cliente"])
    assert "caja registrador" in found
    assert "atencion cliente" in found
    assert "registrador atencion" not in found


def test_a_posting_is_counted_once_per_text() -> None:
    text = "Asistente de campo " * 20
    assert posting_terms(text) is posting_terms(str(text))
    assert posting_terms(text).counts["asistente camp"] == 20
    assert posting_terms(text).length == len(text_terms(text))


def test_the_posting_with_the_persons_phrase_outranks_scattered_words(
    session: Session, world: World
) -> None:
    # GIVEN a person who writes a short phrase, a posting that says it as they do (in a long
    # description) and one with "campo" twice in its title (title counts twice) and "trabajo"
    # elsewhere
    person = world.person([], self_description="Trabajo de campo")
    phrase = world.job(
        {},
        title="Chofer",
        description=(
            "Conocimientos: trabajo de campo, manejo de camión. Habilidades: licencia A-IIb, "
            "recojo de residuos sólidos."
        ),
    )
    scattered = world.job(
        {},
        title="Asistente de campo",
        description="Trabajo en oficina, archivo de documentos.",
    )
    others = [
        world.job({}, title=t, description=f"{d} Trabajo en equipo.")
        for t, d in (
            ("Cajera", "Atención al cliente y caja."),
            ("Cocinero", "Cocina criolla, menú del día."),
            ("Vigilante", "Rondas nocturnas en planta."),
            ("Promotor de campo", "Visitas a mercados."),
        )
    ]
    # WHEN the job features are computed
    X = job_features(FeatureContext(session, None, NOW), person, [phrase, scattered, *others])
    lexical = X[:, LEXICAL]
    # THEN the posting with the phrase scores higher, and all stay within 0..1
    assert lexical[0] > lexical[1] > 0
    assert np.all((lexical >= 0) & (lexical < 1))


def test_text_terms_are_the_terms_then_the_pairs_of_short_and_long_texts() -> None:
    from chamba.search import words

    for text in (
        "", "Manejo del SIAF", "Cajera; atención al cliente en Lima",
        "Soldador MIG con experiencia en estructuras metálicas, turno noche. " * 5,
    ):  # fmt: skip
        assert text_terms(text) == terms(text) + pairs(words(text))
