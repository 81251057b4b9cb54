"""Rules read over what the lexicon found: a verb and a channel in one clause ("vendo ropa x
Facebook"), a chore said by a bare verb next to its partner ("lavo y plancho"), broad skills that
give way to narrower ones and bare cooking among domestic work (:mod:`chamba.nlp.extraction`
calls them for each text)."""

from __future__ import annotations

from collections.abc import Sequence

from chamba.nlp.cues import (
    CHANNEL_CONSTRUCTIONS,
    CONSTRUCTION_SPAN,
    DOMESTIC_SKILLS,
    HOME_COOKING,
    NARROWER,
    PAIR_FOLLOWERS,
    PAIR_SPAN,
    PAIRED_CHORES,
    RESTAURANT_WORDS,
    Found,
    Unit,
    carried_wishes,
    is_negated,
    mentioned_level,
    not_claimed,
    unit_position,
)
from chamba.nlp.schemas import ExtractedSkill, SkillRecord
from chamba.nlp.words import Token


def add_found(bucket: dict[str, Found], result: ExtractedSkill, *, bare: bool = False) -> None:
    """Keep ``result`` in ``bucket`` unless the skill is there already with a better rank
    (claimed beats negated, then higher confidence)."""
    rank = (0 if result.negated else 1, result.confidence)
    old = bucket.get(result.skill_id)
    if old is None or rank > old.rank:
        bucket[result.skill_id] = Found(result, rank, bare)
    elif not bare and old.rank == rank:
        old.bare = False


def constructions(
    skills: Sequence[SkillRecord],
    by_id: dict[str, int],
    text: str,
    tokens: Sequence[Token],
    units: Sequence[Unit],
    lang: str,
    bucket: dict[str, Found],
    covered: set[int],
) -> None:
    """Skills said by a verb and a channel in one clause (:data:`CHANNEL_CONSTRUCTIONS`):
    "vendo ropa por Facebook", "atiendo x WhatsApp", "sell them at the market"."""
    unit_starts = [u.first for u in units]
    carried = carried_wishes(tokens, units)
    for verbs, channels, skill_id in CHANNEL_CONSTRUCTIONS:
        index = by_id.get(skill_id)
        if index is None or skill_id in bucket:
            continue
        for i, tok in enumerate(tokens):
            if tok.key not in verbs and tok.norm not in verbs:
                continue
            j = next(
                (
                    j
                    for j in range(i + 1, min(len(tokens), i + CONSTRUCTION_SPAN + 1))
                    if tokens[j].clause == tok.clause
                    and tokens[j].norm in channels
                    and j not in covered  # "vendo en ferias artesanales": handicrafts
                ),
                None,
            )
            if j is None:
                continue
            unit_index = unit_position(units, unit_starts, i)
            unit = units[unit_index] if unit_index is not None else None
            record = skills[index]
            start, end = tok.start, tokens[j].end
            add_found(
                bucket,
                ExtractedSkill.of(
                    record,
                    lang,
                    text[start:end],
                    start,
                    end,
                    confidence=0.85,
                    level=mentioned_level(tokens, unit, i, j),
                    method="lexicon",
                    negated=is_negated(tokens, unit, i)
                    or not_claimed(tokens, unit, i)
                    or unit_index in carried,
                ),
            )
            break


def paired_chores(
    skills: Sequence[SkillRecord],
    by_id: dict[str, int],
    tokens: Sequence[Token],
    lang: str,
    bucket: dict[str, Found],
    covered: set[int],
) -> None:
    """A chore said by a bare verb next to its partner skill (:data:`PAIRED_CHORES`):
    "lavo y plancho" is laundry as well as ironing."""
    for have, words, add in PAIRED_CHORES:
        found = bucket.get(have)
        if found is None or found.result.negated or add in bucket or add not in by_id:
            continue
        span = [i for i, t in enumerate(tokens) if found.result.start <= t.start < found.result.end]
        if not span:
            continue
        first, last = span[0], span[-1]
        near = [
            j
            for j in range(max(0, first - PAIR_SPAN), min(len(tokens), last + PAIR_SPAN + 1))
            if (j < first or j > last)
            and tokens[j].norm in words
            and tokens[j].clause == tokens[first].clause
            and j not in covered
            and _bare_verb(tokens, j, first)
        ]
        if not near:
            continue
        tok = tokens[near[0]]
        record = skills[by_id[add]]
        add_found(
            bucket,
            ExtractedSkill.of(
                record,
                lang,
                tok.text,
                tok.start,
                tok.end,
                confidence=0.85,
                level=found.result.level,
                method="lexicon",
                negated=False,
            ),
        )


def _bare_verb(tokens: Sequence[Token], j: int, partner: int) -> bool:
    """Token ``j`` takes no object of its own: the clause ends, or a conjunction, its
    partner or "ropa" follows ("lavo y plancho", not "lavo carros y plancho")."""
    nxt = j + 1
    return (
        nxt >= len(tokens)
        or nxt == partner
        or tokens[nxt].clause != tokens[j].clause
        or tokens[nxt].norm in PAIR_FOLLOWERS
    )


def refine(
    skills: Sequence[SkillRecord],
    by_id: dict[str, int],
    tokens: Sequence[Token],
    lang: str,
    bucket: dict[str, Found],
) -> None:
    """Broad skills read from a bare word give way to narrower ones (:data:`NARROWER`);
    bare cooking among domestic work is home cooking (:data:`HOME_COOKING`)."""
    claimed = {sid for sid, f in bucket.items() if not f.result.negated}
    for broad, narrower in NARROWER.items():
        found = bucket.get(broad)
        if found is not None and found.bare and claimed & narrower:
            del bucket[broad]
    cuisine, home = HOME_COOKING
    found = bucket.get(cuisine)
    if (
        found is not None
        and found.bare
        and home in by_id
        and home not in bucket
        and claimed & DOMESTIC_SKILLS
        and not any(t.norm in RESTAURANT_WORDS for t in tokens)
    ):
        record = skills[by_id[home]]
        del bucket[cuisine]
        label = record.label_en if lang == "en" else record.label_es
        update = {"skill_id": home, "label": label, "esco_uri": record.esco_uri}
        bucket[home] = Found(found.result.model_copy(update=update), found.rank, True)
