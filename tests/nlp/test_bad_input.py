"""Bad input to the extractor: a clear error or a sensible (often empty) result, never a crash."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from chamba.errors import ChambaError, InvalidInput
from chamba.nlp.encoder import TextEncoder
from chamba.nlp.extraction import MAX_SEMANTIC_UNITS, MAX_TEXT_CHARS, SkillExtractor
from chamba.nlp.schemas import SkillRecord

SKILLS = [
    SkillRecord(
        "agro.cosecha_esparrago",
        "Cosecha de espárragos",
        "Asparagus harvesting",
        synonyms_es=("cosechar espárrago",),
    ),
    SkillRecord("ofimatica.excel", "Microsoft Excel", "Microsoft Excel", synonyms_es=("Excel",)),
    SkillRecord(
        "comercio.atencion_publico",
        "Atención al público",
        "Customer service",
        synonyms_es=("atender al público",),
    ),
]


class CountingEncoder:
    """A cheap deterministic encoder that records how many phrases it was asked to encode."""

    model_id = "counting-test"
    dim = 16

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)  # (n, dim)
        for row, text in enumerate(texts):
            out[row, hash(text) % self.dim] = 1.0
        return out


@pytest.fixture(scope="module")
def lexicon_only() -> SkillExtractor:
    return SkillExtractor(SKILLS, semantic=False)


@pytest.fixture(scope="module")
def full(use_encoder: TextEncoder) -> SkillExtractor:
    return SkillExtractor(SKILLS, use_encoder)


@pytest.mark.parametrize("text", ["", " ", "   \n\t  ", "\n\n", "\u00a0\u2003"])
def test_empty_or_whitespace_gives_empty_list(full: SkillExtractor, text: str) -> None:
    # GIVEN an empty or blank text WHEN extracting THEN nothing is found and nothing crashes
    assert full.extract(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "😀🙏🔥👍🏽",
        "💪💪💪 !!! ???",
        "我会做饭和打扫卫生",  # Chinese
        "أنا أعمل في المبيعات",  # Arabic
        "Я умею водить машину и готовить",  # Cyrillic
        "नमस्ते दुनिया",  # Devanagari
        "...,,,;;;---",
    ],
)
def test_emoji_and_other_scripts_give_no_skills(full: SkillExtractor, text: str) -> None:
    assert full.extract(text) == []


def test_genuine_match_inside_emoji_and_other_scripts(full: SkillExtractor) -> None:
    text = "🔥 Привет! sé Excel 😀"
    found = full.extract(text)
    assert [s.skill_id for s in found] == ["ofimatica.excel"]
    assert all(text[s.start : s.end] == s.evidence for s in found)


def test_control_characters_and_nul_are_spaces(full: SkillExtractor) -> None:
    # GIVEN a text with NUL and other control characters inside and between words
    text = "\x00sé Excel\x00 básico\x07\x1b y cosecha\x0bde espárragos\x7f"
    found = full.extract(text)
    # THEN the skills are found and evidence still indexes the original text
    assert {s.skill_id for s in found} == {"ofimatica.excel", "agro.cosecha_esparrago"}
    for s in found:
        assert text[s.start : s.end] == s.evidence
        assert "\x00" not in s.evidence


@pytest.mark.parametrize(
    "text", ["COSECHA DE ESPÁRRAGOS", "CoSeChA dE eSpÁrRaGoS", "cosecha de esparragos"]
)
def test_mixed_case_and_accents(lexicon_only: SkillExtractor, text: str) -> None:
    found = lexicon_only.extract(text)
    assert [s.skill_id for s in found] == ["agro.cosecha_esparrago"]
    assert found[0].evidence == text


def test_text_over_the_limit_raises_invalid_input(lexicon_only: SkillExtractor) -> None:
    text = "a" * (MAX_TEXT_CHARS + 1)
    with pytest.raises(InvalidInput, match="limit is 100,000") as info:
        lexicon_only.extract(text)
    assert isinstance(info.value, ChambaError)
    assert info.value.status_code == 422


@pytest.mark.parametrize("value", [None, 42, b"Excel", ["Excel"]])
def test_non_string_raises_invalid_input(lexicon_only: SkillExtractor, value: object) -> None:
    with pytest.raises(InvalidInput, match="must be a string"):
        lexicon_only.extract(value)  # type: ignore[arg-type]


def test_one_bad_text_in_a_batch_raises(lexicon_only: SkillExtractor) -> None:
    with pytest.raises(InvalidInput):
        lexicon_only.extract_many(["sé Excel", "x" * (MAX_TEXT_CHARS + 1)])


def _long_text() -> str:
    base = "Trabajé 3 años en la cosecha de espárragos en Ica, sé Excel y atiendo al público. "
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit; "
    tail = " Al final: " + base
    middle = (filler * (MAX_TEXT_CHARS // len(filler) + 1))[
        : MAX_TEXT_CHARS - len(base) - len(tail)
    ]
    return base + middle + tail


def test_text_at_the_limit_is_bounded_and_offsets_are_exact(lexicon_only: SkillExtractor) -> None:
    # GIVEN 100,000 characters (the limit) with skills at the start and at the very end
    text = _long_text()
    assert len(text) == MAX_TEXT_CHARS
    found = lexicon_only.extract(text, include_negated=True)
    # THEN every evidence is exact, and one result per skill (speed: bench_throughput.py)
    assert {s.skill_id for s in found} == {
        "agro.cosecha_esparrago",
        "ofimatica.excel",
        "comercio.atencion_publico",
    }
    for s in found:
        assert text[s.start : s.end] == s.evidence


def test_semantic_phrases_are_capped_on_long_text() -> None:
    # GIVEN a long text with thousands of clauses and a counting encoder
    encoder = CountingEncoder()
    extractor = SkillExtractor(SKILLS, encoder)
    extractor.build_index()
    encoder.calls.clear()
    text = _long_text()
    found = extractor.extract(text)
    # THEN at most MAX_SEMANTIC_UNITS phrases are encoded, in one batch, and lexicon hits at
    # the end of the text (past the cap) are still found with exact offsets
    assert encoder.calls == [MAX_SEMANTIC_UNITS]
    ends = [s for s in found if s.start > MAX_TEXT_CHARS // 2]
    assert not ends or all(text[s.start : s.end] == s.evidence for s in ends)
    assert "agro.cosecha_esparrago" in {s.skill_id for s in found}


def test_many_repeated_skills_stay_one_result_each(lexicon_only: SkillExtractor) -> None:
    text = "Excel, " * 10_000
    found = lexicon_only.extract(text)
    assert [s.skill_id for s in found] == ["ofimatica.excel"]
    assert found[0].start == 0
