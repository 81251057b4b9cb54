"""Skill extraction services the API calls: free text, job postings and people's profiles.

The extractor over the ``skills`` table is built once per process and database and rebuilt when
the table changes (checked cheaply on each call: row count and latest ``updated_at``). Services
never commit.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Unpack, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from chamba.nlp.encoder import EmbeddingCache, TextEncoder, get_encoder
from chamba.nlp.extraction import SkillExtractor
from chamba.nlp.jobads import OccupationIndex, extract_job_ads
from chamba.nlp.schemas import (
    ExtractedSkill,
    ExtractorOptions,
    Level,
    ProposedSkill,
    Requirement,
    SuggestedSkill,
)
from chamba.taxonomy import repository as taxonomy_repository
from chamba.text import strip_accents

#: Cues, accent- and case-folded, that make a skill required ("essential") in a posting.
ESSENTIAL_CUES: tuple[str, ...] = (
    "indispensable",
    "imprescindible",
    "requisito",
    "requisitos",
    "excluyente",
    "obligatorio",
    "obligatoria",
    "necesario",
    "necesaria",
    "required",
    "requirement",
    "requirements",
    "must have",
    "must",
    "mandatory",
    "essential",
)
#: Cues that make a skill a nice-to-have ("optional") in a posting.
OPTIONAL_CUES: tuple[str, ...] = (
    "deseable",
    "deseables",
    "de preferencia",
    "preferentemente",
    "preferible",
    "plus",
    "valorable",
    "se valorara",
    "valoramos",
    "opcional",
    "no indispensable",
    "no excluyente",
    "no es requisito",
    "nice to have",
    "preferred",
    "a plus",
    "bonus",
    "desirable",
    "optional",
)
#: Importance weight of a skill by where it was said.
WEIGHT_TITLE = 1.0
WEIGHT_ESSENTIAL = 1.0
WEIGHT_UNMARKED = 0.8
WEIGHT_OPTIONAL = 0.5

_CUE_PATTERNS: list[tuple[re.Pattern[str], Requirement]] = sorted(
    [(re.compile(rf"\b{re.escape(c)}\b"), "optional") for c in OPTIONAL_CUES]
    + [(re.compile(rf"\b{re.escape(c)}\b"), "essential") for c in ESSENTIAL_CUES],
    key=lambda item: -len(item[0].pattern),
)
_SEGMENT_END = re.compile(r"[.;\n•]|(?<=\s)-\s")


@dataclass(slots=True)
class _Cached:
    signature: tuple[int, str]
    extractor: SkillExtractor


_CACHE: dict[tuple[str, int | None], _Cached] = {}
_CACHE_LOCK = threading.Lock()


def get_extractor(
    session: Session,
    encoder: TextEncoder | None = None,
    **options: Unpack[ExtractorOptions],
) -> SkillExtractor:
    """The extractor over the whole ``skills`` table, shared per process and database.

    Rebuilt when the table's row count or latest ``updated_at`` changes (a catalogue load, an
    ESCO import, an edited synonym).

    Args:
        session: an open session.
        encoder: the text encoder; ``None`` uses the default
            (:func:`~chamba.nlp.encoder.get_encoder`). Extractors are cached per encoder.
        options: other :class:`SkillExtractor` arguments, used when (re)building.

    Returns:
        A :class:`SkillExtractor`; do not mutate it (it is shared).
    """
    key = (str(session.get_bind().engine.url), id(encoder) if encoder is not None else None)
    signature = taxonomy_repository.skill_signature(session)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached.signature == signature:
            return cached.extractor
    extractor = SkillExtractor.from_session(session, encoder, **options)
    with _CACHE_LOCK:
        _CACHE[key] = _Cached(signature, extractor)
    return extractor


def clear_extractor_cache() -> None:
    """Forget every cached extractor and occupation index (tests, or after swapping the
    encoder)."""
    with _CACHE_LOCK:
        _CACHE.clear()
        _OCC_CACHE.clear()


def extract_skills(
    session: Session, text: str, lang: str | None = None, *, encoder: TextEncoder | None = None
) -> list[ExtractedSkill]:
    """Skills mentioned in ``text`` (see :meth:`SkillExtractor.extract`).

    Raises:
        InvalidInput: ``text`` is not a string or is too long.
    """
    return extract_skills_many(session, [text], lang, encoder=encoder)[0]


def extract_skills_many(
    session: Session,
    texts: Sequence[str],
    lang: str | None = None,
    *,
    encoder: TextEncoder | None = None,
) -> list[list[ExtractedSkill]]:
    """:func:`extract_skills` over a batch (one encoder call for all texts)."""
    return get_extractor(session, encoder).extract_many(texts, lang)


def _fold(text: str) -> str:
    return strip_accents(text).casefold()


def _segment(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence, line or bullet around ``text[start:end]``."""
    left = 0
    for match in _SEGMENT_END.finditer(text, 0, start):
        left = match.end()
    after = _SEGMENT_END.search(text, end)
    return left, after.start() if after else len(text)


def _heading_cue(text: str, left: int) -> Requirement | None:
    """The cue of the nearest heading line ("Requisitos:", "Deseable:") above ``left``."""
    for line in reversed(text[:left].splitlines()):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.endswith(":") and len(stripped) <= 60:
            return _nearest_cue(_fold(stripped), len(stripped))
        if stripped.startswith(("-", "•", "*")) or len(stripped) < 80:
            continue  # a bullet of the same list: keep looking for its heading
        return None
    return None


def _nearest_cue(folded: str, anchor: int) -> Requirement | None:
    """The cue closest to position ``anchor`` of a folded segment (longest cue on ties)."""
    best: tuple[int, Requirement] | None = None
    taken: list[tuple[int, int]] = []
    for pattern, kind in _CUE_PATTERNS:  # longest first: "no excluyente" before "excluyente"
        for match in pattern.finditer(folded):
            if any(a <= match.start() < b for a, b in taken):
                continue
            taken.append((match.start(), match.end()))
            distance = min(abs(match.start() - anchor), abs(match.end() - anchor))
            if best is None or distance < best[0]:
                best = (distance, kind)
    return best[1] if best else None


def requirement_of(text: str, start: int, end: int) -> Requirement | None:
    """Requirement cue for the evidence ``text[start:end]`` of a job description.

    The nearest cue in the same sentence, line or bullet decides; without one, the heading the
    line sits under ("Deseable:", "Requisitos indispensables:"); ``None`` when nothing says.

    Example:
        >>> requirement_of("Excel avanzado (indispensable). Inglés deseable.", 0, 5)
        'essential'
        >>> requirement_of("Excel avanzado (indispensable). Inglés deseable.", 32, 38)
        'optional'
    """
    left, right = _segment(text, start, end)
    folded = _fold(text[left:right])  # same length as the original for Latin text
    if len(folded) != right - left:
        folded = _fold(text[left:right]).ljust(right - left)
    cue = _nearest_cue(folded, (start + end) // 2 - left)
    return cue if cue is not None else _heading_cue(text, left)


def suggest_job_skills(
    session: Session,
    title: str,
    description: str,
    lang: str | None = None,
    *,
    encoder: TextEncoder | None = None,
) -> list[SuggestedSkill]:
    """Skills a job posting asks for, read from its title and description.

    Args:
        session: an open session.
        title: the posting's title ("Cajera con experiencia").
        description: its free-text description.
        lang: language of the returned labels; guessed when ``None``.
        encoder: as in :func:`get_extractor`.

    Returns:
        One :class:`SuggestedSkill` per skill, most important first. Offsets index ``title``
        or ``description`` as told by ``field``.

    Raises:
        InvalidInput: a text is not a string or is too long.
    """
    return suggest_job_skills_many(session, [(title, description)], lang, encoder=encoder)[0]


def suggest_job_skills_many(
    session: Session,
    postings: Sequence[tuple[str, str]],
    lang: str | None = None,
    *,
    encoder: TextEncoder | None = None,
) -> list[list[SuggestedSkill]]:
    """:func:`suggest_job_skills` over ``(title, description)`` pairs, one encoder call."""
    extractor = get_extractor(session, encoder)
    titles = [title or "" for title, _ in postings]
    title_found = _title_skills(session, extractor, titles, lang)
    described = extract_job_ads(extractor, [d or "" for _, d in postings], lang)
    out: list[list[SuggestedSkill]] = []
    for p, (_, description) in enumerate(postings):
        by_skill: dict[str, SuggestedSkill] = {}
        fields: tuple[tuple[Literal["title", "description"], list[ExtractedSkill]], ...] = (
            ("title", title_found[p]),
            ("description", described[p]),
        )
        for field_name, skills in fields:
            for skill in skills:
                if field_name == "title":
                    requirement: Requirement = "essential"
                    weight = WEIGHT_TITLE
                else:
                    cue = requirement_of(description or "", skill.start, skill.end)
                    requirement = cue or "essential"
                    weight = {"essential": WEIGHT_ESSENTIAL, "optional": WEIGHT_OPTIONAL}.get(
                        cue or "", WEIGHT_UNMARKED
                    )
                suggestion = SuggestedSkill(
                    skill_id=skill.skill_id,
                    label=skill.label,
                    esco_uri=skill.esco_uri,
                    confidence=skill.confidence,
                    evidence=skill.evidence,
                    requirement=requirement,
                    importance=round(min(1.0, max(0.0, skill.confidence * weight)), 3),
                    level=skill.level,
                    field=field_name,
                    start=skill.start,
                    end=skill.end,
                )
                old = by_skill.get(skill.skill_id)
                if old is not None and field_name == "description" and old.field == "title":
                    implied = old.evidence == (postings[p][0] or "").strip() and (
                        old.confidence == TITLE_OCCUPATION_CONFIDENCE
                    )
                    if implied and suggestion.requirement != old.requirement:
                        old = None  # the description's cue beats what the occupation implies
                if old is None or _rank(suggestion) > _rank(old):
                    by_skill[skill.skill_id] = suggestion
        out.append(sorted(by_skill.values(), key=lambda s: (-s.importance, s.skill_id)))
    return out


#: Confidence of a skill implied by the occupation a title names (not said in words).
TITLE_OCCUPATION_CONFIDENCE = 0.7


@dataclass(slots=True)
class _CachedIndex:
    signature: tuple[int, str, int]
    index: OccupationIndex


_OCC_CACHE: dict[str, _CachedIndex] = {}


def get_occupation_index(session: Session) -> OccupationIndex:
    """Occupation names -> implied skills (:class:`~chamba.nlp.jobads.OccupationIndex`), built
    once per process and database and rebuilt when occupations or their skills change."""
    count, latest = taxonomy_repository.occupation_signature(session)
    signature = (count, latest, taxonomy_repository.occupation_link_count(session))
    key = str(session.get_bind().engine.url)
    with _CACHE_LOCK:
        cached = _OCC_CACHE.get(key)
        if cached is not None and cached.signature == signature:
            return cached.index
    catalogue = taxonomy_repository.catalogue_skill_ids(session)
    relations: dict[str, list[tuple[str, str, bool]]] = {}
    usage: dict[str, int] = {}
    for occupation_id, skill_id, relation in taxonomy_repository.occupation_skill_links(session):
        relations.setdefault(occupation_id, []).append(
            (skill_id, str(relation), skill_id in catalogue)
        )
        usage[skill_id] = usage.get(skill_id, 0) + 1
    occupations = []
    for occ in taxonomy_repository.occupation_names(session):
        names = [occ.label_es, occ.label_en, *(occ.synonyms_es or []), *(occ.synonyms_en or [])]
        # the most specific skills of an occupation first (fewest occupations need them)
        rows = sorted(relations.get(occ.id, []), key=lambda r: (usage[r[0]], r[0]))
        occupations.append((occ.id, names, rows))
    index = OccupationIndex(occupations)
    with _CACHE_LOCK:
        _OCC_CACHE[key] = _CachedIndex(signature, index)
    return index


def _title_skills(
    session: Session, extractor: SkillExtractor, titles: Sequence[str], lang: str | None
) -> list[list[ExtractedSkill]]:
    """Skills of each title: those of the occupation it names ("Mozo" -> atención de mesas),
    else those its words say (job-ad mode)."""
    index = get_occupation_index(session)
    records = {r.id: r for r in extractor.skills}
    out: list[list[ExtractedSkill]] = [[] for _ in titles]
    rest: list[int] = []
    for t, title in enumerate(titles):
        entry = index.find(title) if title.strip() else None
        skills = [records[s] for s in entry.skills if s in records] if entry else []
        if not skills:
            rest.append(t)
            continue
        stripped = title.strip()
        start = title.index(stripped)
        out[t] = [
            ExtractedSkill(
                skill_id=r.id,
                label=r.label_en if lang == "en" else r.label_es,
                esco_uri=r.esco_uri,
                confidence=TITLE_OCCUPATION_CONFIDENCE,
                evidence=stripped,
                start=start,
                end=start + len(stripped),
                method="lexicon",
            )
            for r in skills
        ]
    found = extract_job_ads(extractor, [titles[t] for t in rest], lang)
    for t, skills_of_title in zip(rest, found, strict=True):
        out[t] = skills_of_title
    return out


def _rank(s: SuggestedSkill) -> tuple[int, float]:
    return (int(s.requirement == "essential"), s.importance)


def propose_person_skills(
    session: Session,
    profile: Mapping[str, str | None],
    text: str,
    lang: str | None = None,
    *,
    encoder: TextEncoder | None = None,
) -> list[ProposedSkill]:
    """Skills read from a person's own words, each marked when already on their profile.

    Args:
        session: an open session.
        profile: the person's skills now, ``{skill id: level or None}``.
        text: what they wrote or said ("trabajé de cajera y sé Excel").
        lang: language of the returned labels; guessed when ``None``.
        encoder: as in :func:`get_extractor`.

    Returns:
        One :class:`ProposedSkill` per skill, in order of appearance.

    Raises:
        InvalidInput: ``text`` is not a string or is too long.
    """
    proposed = []
    for skill in extract_skills(session, text, lang, encoder=encoder):
        level = profile.get(skill.skill_id)
        proposed.append(
            ProposedSkill(
                skill_id=skill.skill_id,
                label=skill.label,
                esco_uri=skill.esco_uri,
                confidence=skill.confidence,
                evidence=skill.evidence,
                start=skill.start,
                end=skill.end,
                level=skill.level,
                method=skill.method,
                on_profile=skill.skill_id in profile,
                # the profile's level is a SkillLevel, whose values are Level's
                profile_level=cast(Level, str(level)) if level is not None else None,
            )
        )
    return proposed


__all__ = [
    "ESSENTIAL_CUES",
    "OPTIONAL_CUES",
    "clear_extractor_cache",
    "extract_skills",
    "extract_skills_many",
    "get_extractor",
    "get_occupation_index",
    "propose_person_skills",
    "requirement_of",
    "suggest_job_skills",
    "suggest_job_skills_many",
]


# --------------------------------------------------------------------------- semantic search

#: Cosine below which a concept is not offered as a semantic search hit.
SIMILAR_MIN_COSINE = 0.45


@dataclass(slots=True)
class _NameIndex:
    """Vectors of every name (labels, synonyms) of some concepts; a concept scores its best."""

    signature: tuple[int, str]
    ids: list[str]
    matrix: npt.NDArray[np.float32]  # (n_names, dim)
    offsets: npt.NDArray[np.int64]  # (n_ids,) first row of each concept


_OCCUPATIONS: dict[tuple[str, int | None], _NameIndex] = {}


def _top(ids: Sequence[str], scores: npt.NDArray[np.float32], k: int) -> list[tuple[str, float]]:
    order = np.argsort(-scores, kind="stable")[:k]
    return [
        (ids[int(i)], float(scores[int(i)])) for i in order if scores[int(i)] >= SIMILAR_MIN_COSINE
    ]


def similar_skills(
    session: Session, text: str, k: int = 10, *, encoder: TextEncoder | None = None
) -> list[tuple[str, float]]:
    """Skills whose names (any label or synonym, Spanish or English) mean what ``text`` says.

    Args:
        session: an open session.
        text: what a person typed ("soldar fierro", "técnico en ingeniería civil").
        k: at most this many.
        encoder: as in :func:`get_extractor`.

    Returns:
        ``[(skill_id, cosine)]`` best first, cosine at least :data:`SIMILAR_MIN_COSINE`.
    """
    if not text.strip() or k <= 0:
        return []
    extractor = get_extractor(session, encoder)
    if not extractor.semantic:  # a lexicon-only extractor: no vectors to compare
        return []
    scores = extractor.skill_scores([text])[0]  # (n_skills,)
    return _top([s.id for s in extractor.skills], scores, k)


def _occupation_index(session: Session, encoder: TextEncoder | None) -> _NameIndex:
    from chamba.config import get_settings

    key = (str(session.get_bind().engine.url), id(encoder) if encoder is not None else None)
    signature = taxonomy_repository.occupation_signature(session)
    with _CACHE_LOCK:
        cached = _OCCUPATIONS.get(key)
        if cached is not None and cached.signature == signature:
            return cached
    rows = taxonomy_repository.occupation_names(session, by_id=True)
    ids: list[str] = []
    names: list[str] = []
    offsets: list[int] = []
    for row in rows:
        # ESCO occupations by their two labels (as the extractor does for ESCO skills)
        extra = [] if row.source == "esco" else [*(row.synonyms_es or []), *(row.synonyms_en or [])]
        own = [n for n in dict.fromkeys([row.label_es, row.label_en, *extra]) if n and n.strip()]
        if own:
            ids.append(row.id)
            offsets.append(len(names))
            names.extend(own)
    model = encoder or get_encoder()
    if names:
        with EmbeddingCache(get_settings().data_dir / "embeddings") as cache:
            matrix = cache.encode(model, names)  # (n_names, dim)
    else:
        matrix = np.zeros((0, 1), dtype=np.float32)
    index = _NameIndex(signature, ids, matrix, np.asarray(offsets, dtype=np.int64))
    with _CACHE_LOCK:
        _OCCUPATIONS[key] = index
    return index


def similar_occupations(
    session: Session, text: str, k: int = 10, *, encoder: TextEncoder | None = None
) -> list[tuple[str, float]]:
    """Occupations whose names mean what ``text`` says (as :func:`similar_skills`)."""
    if not text.strip() or k <= 0:
        return []
    index = _occupation_index(session, encoder)
    if not index.ids:
        return []
    query = (encoder or get_encoder()).encode([text])  # (1, dim)
    sims = query @ index.matrix.T  # (1, n_names)
    scores = np.maximum.reduceat(sims, index.offsets, axis=1)[0]  # (n_ids,)
    return _top(index.ids, scores, k)
