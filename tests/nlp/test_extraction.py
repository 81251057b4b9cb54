"""Skill extraction on a small hand-made skill list (lexicon, semantic, negation, levels)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from chamba.nlp.encoder import TextEncoder
from chamba.nlp.extraction import SkillExtractor
from chamba.nlp.schemas import ExtractedSkill, SkillRecord
from chamba.nlp.words import stem, tokenize

ESCO_URI = "http://data.europa.eu/esco/skill/0b4ed2a4-1fc7-4da1-8d3a-b4e9e3a8d3f1"

SKILLS = [
    SkillRecord(
        "agro.cosecha_esparrago",
        "Cosecha de espárragos",
        "Asparagus harvesting",
        synonyms_es=("cosechar espárrago", "corte de espárrago"),
        synonyms_en=("harvest asparagus",),
    ),
    SkillRecord(
        "transporte.mototaxi",
        "Conducción de mototaxi",
        "Motorcycle taxi driving",
        synonyms_es=("manejar mototaxi", "mototaxista"),
        synonyms_en=("drive a mototaxi",),
    ),
    SkillRecord(
        "transporte.conduccion",
        "Conducción de vehículos",
        "Driving",
        synonyms_es=("manejar", "chofer", "brevete", "licencia de conducir"),
        synonyms_en=("drive", "driver"),
    ),
    SkillRecord(
        "ofimatica.excel",
        "Microsoft Excel",
        "Microsoft Excel",
        synonyms_es=("Excel", "hojas de cálculo"),
        synonyms_en=("spreadsheets",),
    ),
    SkillRecord(
        "comercio.atencion_publico",
        "Atención al público",
        "Customer service",
        synonyms_es=("atender al público", "atención al cliente", "atender clientes"),
        synonyms_en=("customer care",),
    ),
    SkillRecord(
        "comercio.venta_ropa",
        "Venta de ropa",
        "Clothing sales",
        synonyms_es=("vender ropa", "ventas de prendas"),
        synonyms_en=("sell clothes",),
    ),
    SkillRecord(
        "comercio.ventas",
        "Ventas",
        "Sales",
        synonyms_es=("vendedor", "vender"),
        synonyms_en=("selling",),
    ),
    SkillRecord(
        "construccion.albanileria",
        "Albañilería",
        "Masonry",
        synonyms_es=("albañil", "construcción civil", "construcción"),
        synonyms_en=("bricklaying", "construction"),
    ),
    SkillRecord("hosteleria.cocina", "Cocina", "Cooking", synonyms_es=("cocinar", "cocinero")),
    SkillRecord("idiomas.ingles", "Inglés", "English", synonyms_en=("english language",)),
    SkillRecord("digital.sql", "SQL", "SQL", synonyms_es=("bases de datos SQL",)),
    SkillRecord(
        "esco:0b4ed2a4-1fc7-4da1-8d3a-b4e9e3a8d3f1",
        "apicultura",
        "beekeeping",
        synonyms_es=("cría de abejas", "manejo de colmenas"),
        synonyms_en=("apiculture",),
        esco_uri=ESCO_URI,
        source="esco",
    ),
    SkillRecord(
        "esco:11111111-2222-3333-4444-555555555555",
        "usar",
        "use",
        synonyms_es=("ir", "de la"),
        source="esco",
    ),
    SkillRecord(
        "esco:99999999-2222-3333-4444-555555555555",
        "manejar Excel",
        "use Excel",
        synonyms_es=("excel",),
        source="esco",
    ),
]


@pytest.fixture(scope="module")
def extractor(use_encoder: TextEncoder) -> SkillExtractor:
    return SkillExtractor(SKILLS, use_encoder)


@pytest.fixture(scope="module")
def lexicon_only() -> SkillExtractor:
    return SkillExtractor(SKILLS, semantic=False)


def ids(found: list) -> set[str]:
    return {s.skill_id for s in found}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trabajé 3 años en la cosecha de espárragos en Ica", {"agro.cosecha_esparrago"}),
        ("manejo mototaxi", {"transporte.mototaxi"}),
        ("sé Excel intermedio y atiendo público", {"ofimatica.excel", "comercio.atencion_publico"}),
        ("vendía ropa en Gamarra, manejo Excel básico", {"comercio.venta_ropa", "ofimatica.excel"}),
    ],
)
def test_issue_examples(extractor: SkillExtractor, text: str, expected: set[str]) -> None:
    found = extractor.extract(text)
    assert expected <= ids(found)


def test_longest_match_wins(lexicon_only: SkillExtractor) -> None:
    # "manejo mototaxi" is one skill, not "manejar" (driving) plus something
    found = lexicon_only.extract("manejo mototaxi")
    assert ids(found) == {"transporte.mototaxi"}


@pytest.mark.parametrize(
    "text",
    [
        "cosechaba espárragos",
        "cosechando esparragos",
        "COSECHA DE ESPARRAGOS",
        "Harvesting asparagus",
    ],
)
def test_verb_forms_plurals_accents_and_case(lexicon_only: SkillExtractor, text: str) -> None:
    assert ids(lexicon_only.extract(text)) == {"agro.cosecha_esparrago"}


def test_english_verb_forms() -> None:
    assert stem("drive") == stem("driving") == stem("drove") == stem("drives")


def test_evidence_is_exact_substring(extractor: SkillExtractor) -> None:
    text = "Hola!! vendía ROPA en Gamarra,   manejo Excel básico y atiendo al público"
    found = extractor.extract(text)
    assert found
    for skill in found:
        assert text[skill.start : skill.end] == skill.evidence
    excel = next(s for s in found if s.skill_id == "ofimatica.excel")
    assert excel.evidence == "Excel"


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("no sé manejar", "transporte.conduccion"),
        ("nunca he trabajado en construcción", "construccion.albanileria"),
        ("I can't drive", "transporte.conduccion"),
        ("sin experiencia en ventas", "comercio.ventas"),
        ("no tengo brevete", "transporte.conduccion"),
        ("nose cocinar", "hosteleria.cocina"),
    ],
)
def test_negations_are_not_extracted(extractor: SkillExtractor, text: str, negated: str) -> None:
    assert negated not in ids(extractor.extract(text))
    flagged = extractor.extract(text, include_negated=True)
    assert any(s.skill_id == negated and s.negated for s in flagged)


@pytest.mark.parametrize(
    ("text", "unclaimed", "claimed"),
    [
        ("quiero aprender Excel, por ahora vendo ropa", "ofimatica.excel", "comercio.venta_ropa"),
        ("me gustaría estudiar inglés", "idiomas.ingles", None),
        ("I want to learn English and I sell clothes", "idiomas.ingles", "comercio.venta_ropa"),
        ("mi esposo es albañil y yo cocino", "construccion.albanileria", "hosteleria.cocina"),
        ("My husband is a driver, I know Excel", "transporte.conduccion", "ofimatica.excel"),
        ("mi enamorado es cocinero", "hosteleria.cocina", None),
        ("quisiera trabajar de cocinero", "hosteleria.cocina", None),
        (
            "I'd like to become a driver, I sell clothes",
            "transporte.conduccion",
            "comercio.venta_ropa",
        ),
    ],
)
def test_wishes_and_other_peoples_skills_are_not_claimed(
    lexicon_only: SkillExtractor, text: str, unclaimed: str, claimed: str | None
) -> None:
    # GIVEN a text naming a skill the writer wants to learn, or someone else's skill
    # WHEN it is extracted
    found = ids(lexicon_only.extract(text))
    # THEN that skill is not returned as the writer's (only flagged), the writer's own one is
    assert unclaimed not in found
    assert claimed is None or claimed in found
    flagged = lexicon_only.extract(text, include_negated=True)
    assert any(s.skill_id == unclaimed and s.negated for s in flagged)


def test_learning_without_a_wish_and_relatives_as_objects_still_count(
    lexicon_only: SkillExtractor,
) -> None:
    # A skill learnt (no wish word) and a relative who is not the subject leave the claim intact.
    assert "ofimatica.excel" in ids(lexicon_only.extract("aprendí Excel en un curso"))
    assert "hosteleria.cocina" in ids(lexicon_only.extract("cocino para mi esposo"))


def test_workplaces_are_not_skills() -> None:
    # GIVEN skills whose names are also workplaces ("pollería", "call center")
    skills = [
        SkillRecord("gastro.pollo", "Pollo a la brasa", "Rotisserie chicken", ("pollería",)),
        SkillRecord("gastro.rapida", "Comida rápida", "Fast food", ("comida rápida",)),
        SkillRecord("serv.call", "Call center", "Call center"),
        SkillRecord("comercio.caja", "Caja", "Cashier", ("cajera",)),
    ]
    extractor = SkillExtractor(skills, semantic=False)
    # WHEN a text says where the person worked, not what they did there
    # THEN the place gives no skill, the role does
    assert ids(extractor.extract("trabajé en una pollería de cajera")) == {"comercio.caja"}
    assert ids(extractor.extract("en un restaurante de comida rápida")) == set()
    assert ids(extractor.extract("I worked at a fast food restaurant")) == set()
    assert ids(extractor.extract("worked at a call center as a cleaner")) == set()
    # AND naming the business as one's own, or the trade itself, still counts
    assert ids(extractor.extract("tengo mi pollería")) == {"gastro.pollo"}
    assert ids(extractor.extract("preparo comida rápida")) == {"gastro.rapida"}
    assert ids(extractor.extract("5 años en call center")) == {"serv.call"}


def test_a_channel_is_not_a_skill() -> None:
    # GIVEN a skill named by a platform
    skills = [
        SkillRecord("dig.redes", "Gestión de redes sociales", "Social media", ("Instagram",)),
        SkillRecord("com.ventas", "Ventas", "Sales", ("vender",)),
    ]
    extractor = SkillExtractor(skills, semantic=False)
    # THEN selling through it is selling, managing it is the skill
    assert ids(extractor.extract("vendo ropa por Instagram")) == {"com.ventas"}
    assert ids(extractor.extract("manejo el Instagram de una tienda")) == {"dig.redes"}


def test_hyphenated_names_keep_their_parts() -> None:
    # GIVEN a skill named "e-learning"
    skills = [
        SkillRecord("edu.virtual", "Educación virtual", "Online teaching", (), ("e-learning",))
    ]
    extractor = SkillExtractor(skills, semantic=False)
    # THEN "learning" alone does not match it (the name is not cut down to its long part)
    assert ids(extractor.extract("learning games for kids")) == set()
    assert ids(extractor.extract("educación virtual")) == {"edu.virtual"}


def test_trade_nouns_do_not_match_their_material() -> None:
    # GIVEN a skill named by trade nouns ("vidriero", "vidriería")
    skills = [SkillRecord("cons.vidrio", "Vidriería", "Glazing", ("vidriero",))]
    extractor = SkillExtractor(skills, semantic=False)
    # THEN the material alone is no match, but the trade in any form is
    assert ids(extractor.extract("limpieza de vidrios")) == set()
    assert ids(extractor.extract("trabajé de vidriera")) == {"cons.vidrio"}


def test_negation_scope_ends_at_clause(lexicon_only: SkillExtractor) -> None:
    found = ids(lexicon_only.extract("no tengo brevete, pero cocino rico"))
    assert found == {"hosteleria.cocina"}
    found = ids(lexicon_only.extract("no sé inglés pero sí Excel"))
    assert found == {"ofimatica.excel"}


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Excel básico", "basic"),
        ("sé un poco de Excel", "basic"),
        ("manejo Excel intermedio", "intermediate"),
        ("Excel avanzado", "advanced"),
        ("inglés nivel experto", "advanced"),
        ("hablo inglés muy bien", "advanced"),
        ("English, intermediate", None),  # different clause
        ("advanced English", "advanced"),
        ("trabajé 6 años de albañil", "advanced"),
        ("trabajé 3 años en la cosecha de espárragos", "intermediate"),
        ("cocino", None),
    ],
)
def test_levels(lexicon_only: SkillExtractor, text: str, level: str | None) -> None:
    found = lexicon_only.extract(text)
    assert len(found) == 1
    assert found[0].level == level


def test_levels_attach_to_nearest_skill(lexicon_only: SkillExtractor) -> None:
    found = {s.skill_id: s.level for s in lexicon_only.extract("Excel avanzado e inglés básico")}
    assert found == {"ofimatica.excel": "advanced", "idiomas.ingles": "basic"}


def test_esco_only_skill_found_with_uri(lexicon_only: SkillExtractor) -> None:
    found = lexicon_only.extract("me dedico a la crianza de abejas y apicultura en Oxapampa")
    assert len(found) == 1
    assert found[0].skill_id.startswith("esco:")
    assert found[0].esco_uri == ESCO_URI


def test_catalogue_beats_esco_on_same_span(lexicon_only: SkillExtractor) -> None:
    assert ids(lexicon_only.extract("manejo excel")) == {"ofimatica.excel"}


def test_generic_short_esco_synonyms_are_ignored(lexicon_only: SkillExtractor) -> None:
    assert lexicon_only.extract("quiero ir a la chamba de la esquina y usar mi tiempo") == []


def test_short_acronym_kept(lexicon_only: SkillExtractor) -> None:
    assert ids(lexicon_only.extract("consultas en sql")) == {"digital.sql"}


def test_esco_linked_to_catalogue_is_merged() -> None:
    catalogue = SkillRecord("agro.apicultura", "Apicultura", "Beekeeping", esco_uri=ESCO_URI)
    ex = SkillExtractor([catalogue, *SKILLS], semantic=False)
    found = ex.extract("apicultura")
    assert [(s.skill_id, s.esco_uri) for s in found] == [("agro.apicultura", ESCO_URI)]


def test_semantic_hit_has_lower_confidence(extractor: SkillExtractor) -> None:
    found = extractor.extract("I take orders from customers and help them at the counter")
    semantic = [s for s in found if s.method == "semantic"]
    lexical = extractor.extract("atención al público")
    assert lexical[0].method == "lexicon"
    for s in semantic:
        assert s.confidence < lexical[0].confidence


def test_labels_follow_language(lexicon_only: SkillExtractor) -> None:
    assert lexicon_only.extract("I know Excel and English", lang="en")[1].label == "English"
    assert lexicon_only.extract("sé inglés")[0].label == "Inglés"


def test_tokenize_offsets() -> None:
    text = "Trabajé en la chacra, sembrando"
    for tok in tokenize(text):
        assert text[tok.start : tok.end] == tok.text


def test_lexicon_over_fourteen_thousand_skills_still_matches() -> None:
    # GIVEN 14,000 synthetic skills with several names each
    records = [
        SkillRecord(
            f"esco:{i:08d}",
            f"gestionar proceso número {i} de planta",
            f"manage plant process number {i}",
            synonyms_es=(f"proceso {i} planta", f"control del proceso {i}"),
            synonyms_en=(f"process {i} control",),
            source="esco",
        )
        for i in range(14_000)
    ]
    ex = SkillExtractor([*SKILLS, *records], semantic=False)
    # THEN catalogue skills and synthetic ones are both found (build speed: bench_throughput.py)
    assert "ofimatica.excel" in ids(ex.extract("manejo Excel"))
    assert ids(ex.extract("llevo el control del proceso 13999")) == {"esco:00013999"}


def test_from_session(session: Session) -> None:
    from chamba.taxonomy.models import Skill
    from chamba.vocab import SkillType

    session.add(
        Skill(
            id="test.gasfiteria",
            label_es="Gasfitería",
            label_en="Plumbing",
            synonyms_es=["gasfitero", "instalaciones sanitarias"],
            synonyms_en=["plumber"],
            type=SkillType.SKILL,
        )
    )
    session.flush()
    ex = SkillExtractor.from_session(session, semantic=False)
    assert "test.gasfiteria" in ids(ex.extract("soy gasfitero con 5 años de experiencia"))


def test_one_analysis_serves_passes_at_other_thresholds(
    extractor: SkillExtractor, use_encoder: TextEncoder
) -> None:
    # GIVEN texts analysed once (tokens, units, unit-to-skill similarities)
    texts = [
        "manejo mototaxi y sé excel",
        "corto espárrago, no sé manejar",
        "recojo fruta del fundo",
    ]
    analyses = extractor.analyse(texts)
    # WHEN the rules decide at the extractor's thresholds and at wider ones
    default = extractor.decide(analyses)
    wide = extractor.decide(analyses, threshold=0.3, verify_threshold=0.0)
    other = SkillExtractor(SKILLS, use_encoder, threshold=0.3, verify_threshold=0.0)

    # THEN each pass is what an extractor built with those thresholds returns, without
    # encoding again, and extract_many is the default pass without negated skills
    def by_id(results: list[ExtractedSkill]) -> list[ExtractedSkill]:
        return sorted(results, key=lambda r: r.skill_id)

    assert [by_id([f.result for f in b.values()]) for b in wide] == [
        by_id(r) for r in other.extract_many(texts, include_negated=True)
    ]
    assert [by_id([f.result for f in b.values() if not f.result.negated]) for b in default] == [
        by_id(r) for r in extractor.extract_many(texts)
    ]
    assert wide != default
