"""Skill extraction from free text (Spanish, English or a mix; formal or WhatsApp-style).

Two methods, combined:

1. **Lexicon** (:mod:`chamba.nlp.lexicon`): labels and synonyms of every skill, matched over
   accent/case-folded, lightly stemmed words; the longest match wins, catalogue skills beat ESCO
   skills on the same span. High confidence.
2. **Semantic**: the text is cut into short units (clause punctuation and the words ``y``,
   ``and``, ``pero``, ``también``...), each unit is encoded and compared (cosine) with one
   matrix of skill-name vectors; the best skill of a unit is accepted when its similarity
   reaches :data:`DEFAULT_THRESHOLD` and the unit holds two content words or more (one word
   the lexicon did not know is a place or a product: "Chincha", "surtidos"). Lower
   confidence than lexicon hits. Skill vectors are computed once and kept in an
   :class:`~chamba.nlp.encoder.EmbeddingCache`.

Negation: a skill is negated (and left out unless asked for) when a negation cue (``no``,
``nunca``, ``sin``, ``ni``, ``tampoco``, ``not``, ``never``, ``can't``, ``without``...) stands at
most 3 content words before it in the same unit ("no sé manejar", "sin experiencia en ventas",
"I can't drive"). A semantic hit is negated when its unit holds a cue. Skills the writer does
not claim are negated the same way: after a wish to learn ("quiero aprender costura", "I want
to learn to drive") and in a unit about someone else ("mi esposo es albañil", "my husband is a
fisherman"). A workplace name after a preposition and an article ("trabajé en una pollería",
"at a call center") says where, not what: it is no skill
(:func:`~chamba.nlp.words.workplace_mention`).

Informal writing (issue 12): chat shorthands are read as words ("x" = por, "d" = de, "tb" =
también: :data:`~chamba.nlp.words.SHORTHANDS`); verb forms and misspellings a pattern does not
know resolve to the pattern word they stand for ("siembro" -> sembrar, "cosina" -> cocina:
:meth:`~chamba.nlp.lexicon.Lexicon.resolve`); a head is shared across "y" ("cosecha de palta y
arándano"); "de" after a material or part names what it is of, not a skill ("repuestos de
cocinas", "lana de oveja": :data:`MODIFIED_NOUNS`); "no sé"/"no hablo" right after a skill
negates it ("soldadura eléctrica no sé"); a wish holds to the end of its unit and takes verbs
like "sacar", "tener", "get" ("me gustaría sacar mi brevete"). A sales verb with a channel is
that kind of selling ("vendo ropa x Facebook", "vendo seguros por teléfono":
:data:`CHANNEL_CONSTRUCTIONS`), and a broad skill read from one bare word ("vendo", "chofer",
"drive") gives way to a narrower one of the same trade in the text (:data:`NARROWER`); bare
cooking among domestic work is home cooking. From the blind set (texts written by someone who
never saw the extractor): a denial may stand up to two words after the skill and take any
first-person verb or "ni idea" ("melamina no trabajo", "gasfitería ni idea") and covers a
conjunct before it ("MIG y TIG todavía no sé"); a wish carries over "y" to a short unit ("me
gustaría aprender a coser y tb computación"); diminutives resolve ("bodeguita" -> bodega); a
one-word name after "para" is a purpose or client ("branding pa emprendedores"); a sales verb
with a pronoun object sells the writer's own goods, not in a shop ("las vendo", "sell them");
a bare "lavo" next to ironing is laundry (:data:`PAIRED_CHORES`). From the second blind set:
a denial may be in the past ("caja no manejaba"); a payment means after "x" is that skill ("cobro
x Yape"); a sense the text's other skills rule out gives way ("tomo pedidos" visiting bodegas is
field sales, "cobraba con POS" no till: :data:`GIVES_WAY`); the vehicle a mechanic repairs is no
driving; in a family's home bare chores are household work ("cama adentro, limpio, cocino y
lavo": :data:`HOUSE_CHORES`); a name does not span a "y" it lacks ("limpiando y cocinando" is no
"limpiar cocina"); "doy" is "dar" ("le doy sus pastillas").

Level: the nearest level word within 3 words of the match in the same unit decides
(``básico``/``poco``/``basic`` -> basic; ``intermedio``/``regular``/``intermediate`` ->
intermediate; ``avanzado``/``experto``/``muy bien``/``fluido``/``advanced`` -> advanced). Without
one, years of experience stated in the same unit hint: 5 years or more -> advanced, 2 to 4 ->
intermediate; otherwise no level.

Bad input: a text that is not a string, or longer than :data:`MAX_TEXT_CHARS` characters, raises
:class:`~chamba.errors.InvalidInput`; empty or whitespace-only text, emoji and scripts without
skill names (Chinese, Arabic, Cyrillic...) give ``[]``. Control characters (NUL included) are
read as spaces, one for one, so evidence offsets still index the original text. Long texts stay
bounded in time: the lexicon scan is linear in the number of words, and only the first
:data:`MAX_SEMANTIC_UNITS` units of a text are encoded for semantic matching (the rest gets
lexicon matching only, with weak hits accepted unverified, as in lexicon-only mode).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple, Unpack

import numpy as np

from chamba.nlp.cues import (
    CHANNEL_SKILLS,
    CHANNEL_WORDS,
    GOVERNING_VERBS,
    MAX_TEXT_CHARS,
    SHOP_SALES,
    Found,
    Unit,
    after_purpose,
    carried_wishes,
    clean_text,
    denied_after,
    denied_with_next,
    guess_lang,
    is_negated,
    material_of,
    mentioned_level,
    modifies,
    not_claimed,
    sells_own_goods,
    split_units,
    unit_negated,
    unit_position,
)
from chamba.nlp.encoder import EmbeddingCache, TextEncoder, get_encoder
from chamba.nlp.implied import implied
from chamba.nlp.lexicon import Lexicon, LexiconHit
from chamba.nlp.rules import add_found, constructions, house_chores, paired_chores, refine
from chamba.nlp.schemas import ExtractedSkill, ExtractorOptions, SkillLike, SkillRecord
from chamba.nlp.words import STOPWORDS, Token, tokenize, workplace_mention

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: Cosine similarity a unit needs to a skill name for a semantic hit; calibrated on the dev split
#: of ``tests/data/extraction_labelled.jsonl`` (``benchmarks/bench_extraction.py --split dev
#: --calibrate``: best F1 with precision >= 0.85 over thresholds 0.70-0.99 x verify 0.0-0.5).
#: On the 372 dev texts (112 first, 260 written later to find errors that generalise) the best
#: pair is 0.90 / 0.30: precision 0.910, recall 0.784, F1 0.843 (0.920 / 0.806 after the
#: informal-text rules of issue 12, thresholds unchanged). With USE-multilingual on short
#: clauses, lower thresholds add more false than true hits, so semantic matching only keeps
#: near-verbatim skill names; the encoder still verifies weak lexicon hits
#: (:data:`DEFAULT_VERIFY_THRESHOLD`).
DEFAULT_THRESHOLD = 0.90
#: Similarity a weak lexicon hit (one word, or words naming several skills) needs between its
#: unit and the skill to be kept when semantic matching is on: 0.30 calibrated on the dev split,
#: 0.35 for free text like the next one; job ads keep 0.30 (``JOB_AD_VERIFY_THRESHOLD``).
DEFAULT_VERIFY_THRESHOLD = 0.35
#: Similarity a one-word hit needs when its word is only a form or a misspelling of the
#: pattern's ("siembro", "bodegas", "cocino"); chosen on the tuning splits' even ids, checked on
#: the odd ones (README, "Stricter verification of one-word hits in free text").
DEFAULT_INEXACT_VERIFY_THRESHOLD = 0.50
#: Units of one text encoded for semantic matching (and verification); the rest are lexicon only.
MAX_SEMANTIC_UNITS = 256
#: Extra similarity an ESCO-only skill needs over a catalogue skill for a semantic hit.
ESCO_MARGIN = 0.1

Methods = Sequence[Literal["lexicon", "semantic"]]


class Analysis(NamedTuple):
    """One text as the extractor reads it (:meth:`SkillExtractor.analyse`)."""

    text: str  # the original text; evidence is cut from it
    tokens: list[Token]
    units: list[Unit]
    lang: str
    rows: dict[int, np.ndarray]  # unit index -> (n_skills,) similarity, encoded units only


class SkillExtractor:
    """Finds skills of a skill table in free text.

    Args:
        skills: skill records (:class:`SkillRecord` or anything with ``Skill``'s attributes),
            catalogue and ESCO alike.
        encoder: the text encoder for semantic matching; ``None`` uses the default multilingual
            USE (:func:`~chamba.nlp.encoder.get_encoder`).
        cache: where skill vectors persist; ``None`` keeps them in memory only.
        threshold: similarity for a semantic hit (:data:`DEFAULT_THRESHOLD`).
        verify_threshold: similarity that keeps a weak lexicon hit
            (:data:`DEFAULT_VERIFY_THRESHOLD`).
        inexact_verify_threshold: similarity that keeps a one-word hit read through a form
            or a misspelling of a pattern word (:data:`DEFAULT_INEXACT_VERIFY_THRESHOLD`).
        semantic: ``False`` for lexicon-only extraction (no model is loaded).
        esco_synonym_vectors: also embed ESCO synonyms (about 60k more texts); by default ESCO
            skills are embedded by their two labels only, catalogue skills by every name.

    Example:
        >>> ex = SkillExtractor([SkillRecord("drv", "conducción de mototaxi", "mototaxi driving",
        ...                                  synonyms_es=("manejar mototaxi",))], semantic=False)
        >>> [(s.skill_id, s.evidence) for s in ex.extract("manejo mototaxi hace 2 años")]
        [('drv', 'manejo mototaxi')]
    """

    def __init__(
        self,
        skills: Iterable[SkillLike],
        encoder: TextEncoder | None = None,
        *,
        cache: EmbeddingCache | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        verify_threshold: float = DEFAULT_VERIFY_THRESHOLD,
        inexact_verify_threshold: float = DEFAULT_INEXACT_VERIFY_THRESHOLD,
        semantic: bool = True,
        esco_synonym_vectors: bool = False,
    ) -> None:
        records = [s if isinstance(s, SkillRecord) else SkillRecord.from_obj(s) for s in skills]
        self.lexicon = Lexicon(records)
        self.skills = self.lexicon.skills
        self.threshold = threshold
        self.verify_threshold = verify_threshold
        self.inexact_verify_threshold = inexact_verify_threshold
        self.semantic = semantic
        self.esco_synonym_vectors = esco_synonym_vectors
        self.cache = cache
        self._encoder = encoder
        self._matrix: np.ndarray | None = None  # (n_names, dim)
        self._offsets: np.ndarray | None = None  # (n_skills_with_names,) row start per skill
        self._row_skills: np.ndarray | None = None  # (n_skills_with_names,) skill index
        self._is_esco = np.array([s.source == "esco" for s in self.skills], dtype=bool)
        self._by_id = {s.id: i for i, s in enumerate(self.skills)}
        self._lock = threading.Lock()

    @classmethod
    def from_session(
        cls,
        session: Session,
        encoder: TextEncoder | None = None,
        *,
        cache: EmbeddingCache | None = None,
        **options: Unpack[ExtractorOptions],
    ) -> SkillExtractor:
        """An extractor over the whole ``skills`` table (catalogue and imported ESCO skills).

        Args:
            session: an open session.
            encoder: as in the constructor.
            cache: where skill vectors persist; default ``<data_dir>/embeddings``.
            options: other constructor arguments (``threshold``, ``semantic``...).
        """
        from chamba.config import get_settings
        from chamba.taxonomy import repository as taxonomy_repository

        if cache is None and options.get("semantic", True):
            cache = EmbeddingCache(get_settings().data_dir / "embeddings")
        records = [SkillRecord.from_obj(s) for s in taxonomy_repository.iter_skills(session)]
        return cls(records, encoder, cache=cache, **options)

    # --- semantic index --------------------------------------------------------------------

    @property
    def encoder(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = get_encoder()
        return self._encoder

    def _names_for_vectors(self, record: SkillRecord) -> list[str]:
        if record.source == "esco" and not self.esco_synonym_vectors:
            return [n for n in dict.fromkeys((record.label_es, record.label_en)) if n.strip()]
        return record.names()

    def build_index(self) -> None:
        """Compute (or read from the cache) the skill-name vectors; done once, on first use."""
        with self._lock:
            if self._matrix is not None:
                return
            texts: list[str] = []
            offsets: list[int] = []
            owners: list[int] = []
            for index, record in enumerate(self.skills):
                names = self._names_for_vectors(record)
                if names:
                    offsets.append(len(texts))
                    owners.append(index)
                    texts.extend(names)
            if self.cache is not None:
                matrix = self.cache.encode(self.encoder, texts)  # (n_names, dim)
            else:
                matrix = self.encoder.encode(texts)  # (n_names, dim)
            self._offsets = np.asarray(offsets, dtype=np.int64)
            self._row_skills = np.asarray(owners, dtype=np.int64)
            self._matrix = matrix

    def skill_scores(self, phrases: Sequence[str]) -> np.ndarray:
        """Cosine similarity of each phrase to each skill (best over the skill's names).

        Args:
            phrases: ``n`` texts.

        Returns:
            ``(n, n_skills)`` float32; ``-1`` for skills without names.
        """
        self.build_index()
        assert self._matrix is not None
        assert self._offsets is not None
        assert self._row_skills is not None
        out = np.full((len(phrases), len(self.skills)), -1.0, dtype=np.float32)
        if not phrases or len(self._offsets) == 0:
            return out
        vectors = self.encoder.encode(list(phrases))  # (n, dim)
        sims = vectors @ self._matrix.T  # (n, n_names)
        per_skill = np.maximum.reduceat(sims, self._offsets, axis=1)  # (n, n_skills_with_names)
        out[:, self._row_skills] = per_skill
        return out

    # --- extraction ------------------------------------------------------------------------

    def extract(
        self,
        text: str,
        lang: str | None = None,
        *,
        include_negated: bool = False,
        methods: Methods = ("lexicon", "semantic"),
    ) -> list[ExtractedSkill]:
        """Skills mentioned in ``text``.

        Args:
            text: free text in Spanish, English or both.
            lang: ``"es"`` or ``"en"`` for the returned labels; guessed when ``None``.
            include_negated: also return negated skills (with ``negated=True``).
            methods: which methods to run (both by default).

        Returns:
            One :class:`ExtractedSkill` per skill, in order of appearance; ``evidence`` is
            ``text[start:end]``.

        Example:
            >>> extractor.extract("sé Excel intermedio y atiendo público")  # doctest: +SKIP
            [ExtractedSkill(skill_id='ofimatica.excel', ..., level='intermediate', ...), ...]
        """
        return self.extract_many([text], lang, include_negated=include_negated, methods=methods)[0]

    def extract_many(
        self,
        texts: Sequence[str],
        lang: str | None = None,
        *,
        include_negated: bool = False,
        methods: Methods = ("lexicon", "semantic"),
        verify_threshold: float | None = None,
        inexact_verify_threshold: float | None = None,
    ) -> list[list[ExtractedSkill]]:
        """:meth:`extract` over a batch; the phrases of all texts are encoded in one call.
        The two verify thresholds override the extractor's own (the job-ad mode keeps its own).

        Raises:
            InvalidInput: a text is not a string or is longer than :data:`MAX_TEXT_CHARS`.
        """
        originals = list(texts)  # evidence is cut from these
        passes = self.analyse(originals, lang, methods=methods)
        found = self.decide(
            passes,
            methods=methods,
            verify_threshold=verify_threshold,
            inexact_verify_threshold=inexact_verify_threshold,
        )
        out: list[list[ExtractedSkill]] = []
        for bucket in found:
            results = [f.result for f in bucket.values()]
            if not include_negated:
                results = [r for r in results if not r.negated]
            out.append(sorted(results, key=lambda r: (r.start, r.skill_id)))
        return out

    def analyse(
        self,
        texts: Sequence[str],
        lang: str | None = None,
        *,
        methods: Methods = ("lexicon", "semantic"),
    ) -> list[Analysis]:
        """Tokens, units, language and unit-to-skill similarities of each text (one encoder
        call for all units of all texts); what :meth:`decide` and the learned scorer read.

        Raises:
            InvalidInput: a text is not a string or is longer than :data:`MAX_TEXT_CHARS`.
        """
        originals = list(texts)
        cleaned = [clean_text(text) for text in originals]  # same lengths, control chars -> spaces
        use_semantic = "semantic" in methods and self.semantic
        out: list[Analysis] = []
        keys: list[tuple[int, int]] = []  # (text, unit) of every unit with content
        for t, text in enumerate(cleaned):
            tokens = tokenize(text)
            units = split_units(tokens)
            out.append(Analysis(originals[t], tokens, units, lang or guess_lang(tokens), {}))
            encoded = 0
            for u, unit in enumerate(units):
                if encoded >= MAX_SEMANTIC_UNITS:
                    break
                if not all(tokens[i].is_stop for i in range(unit.first, unit.last + 1)):
                    keys.append((t, u))
                    encoded += 1
        if keys and use_semantic:
            phrases = [cleaned[t][out[t].units[u].start : out[t].units[u].end] for t, u in keys]
            scores = self.skill_scores(phrases)  # (n_units, n_skills)
            for (t, u), row in zip(keys, scores, strict=True):
                out[t].rows[u] = row
        return out

    def decide(
        self,
        analyses: Sequence[Analysis],
        *,
        methods: Methods = ("lexicon", "semantic"),
        threshold: float | None = None,
        verify_threshold: float | None = None,
        inexact_verify_threshold: float | None = None,
    ) -> list[dict[str, Found]]:
        """The rule-based decisions over analysed texts: every skill found (negated ones
        included), keyed by skill id. ``threshold``/``verify_threshold``/
        ``inexact_verify_threshold`` override the extractor's own for this call (the learned
        scorer reads a wider pass too)."""
        use_lexicon = "lexicon" in methods
        use_semantic = "semantic" in methods and self.semantic
        verify = use_semantic and use_lexicon
        threshold = self.threshold if threshold is None else threshold
        verify_at = self.verify_threshold if verify_threshold is None else verify_threshold
        inexact = inexact_verify_threshold
        inexact_at = self.inexact_verify_threshold if inexact is None else inexact
        found: list[dict[str, Found]] = [{} for _ in analyses]
        for t, item in enumerate(analyses):
            text, tokens, units, text_lang, rows = item
            covered: set[int] = set()
            if use_lexicon:
                at = (verify_at, inexact_at)
                covered = self._lexicon_pass(
                    text, tokens, units, text_lang, found[t], rows if verify else None, *at
                )
                constructions(
                    self.skills, self._by_id, text, tokens, units, text_lang, found[t], covered
                )
                house_chores(
                    self.skills, self._by_id, text, tokens, units, text_lang, found[t], covered
                )
            if use_semantic:
                carried = carried_wishes(tokens, units)
                for u, unit in enumerate(units):
                    if u not in rows or any(unit.first <= c <= unit.last for c in covered):
                        continue
                    self._semantic_hit(
                        text, tokens, unit, rows[u], text_lang, found[t], u in carried, threshold
                    )
            refine(self.skills, self._by_id, tokens, text_lang, found[t])
            if use_lexicon:
                paired_chores(self.skills, self._by_id, tokens, text_lang, found[t], covered)
                implied(self.skills, self._by_id, text, tokens, units, text_lang, found[t], covered)
        return found

    def _lexicon_pass(
        self,
        text: str,
        tokens: Sequence[Token],
        units: Sequence[Unit],
        lang: str,
        bucket: dict[str, Found],
        unit_rows: dict[int, np.ndarray] | None,
        verify_threshold: float,
        inexact_verify_threshold: float,
    ) -> set[int]:
        """Add lexicon hits to ``bucket``; return the token indices they cover.

        With ``unit_rows`` (skill similarities of each unit, ``(n_skills,)`` per unit), weak
        hits are verified: a one-word hit, or a hit whose words name several catalogue skills,
        keeps only its candidate most similar to its unit, and only when that similarity reaches
        ``verify_threshold`` (``inexact_verify_threshold`` for a one-word hit whose word is a
        form or a misspelling of the pattern's word).
        """
        hits = self.lexicon.find(tokens)

        def order(hit: LexiconHit) -> tuple[int, int, int, int, int]:
            catalogue = any(self.skills[e.skill].source != "esco" for e in hit.entries)
            label = any(e.is_label for e in hit.entries)
            # a conjunct completed with the head before "y" reads as that head says
            return (-int(catalogue), -hit.length, -int(hit.shared), -int(hit.exact), -int(label))

        taken: set[int] = set()
        accepted: set[int] = set()
        chosen_hits: list[LexiconHit] = []
        for hit in sorted(hits, key=order):
            span = set(range(hit.first, hit.last + 1))
            if span & taken:
                continue
            taken |= span
            chosen_hits.append(hit)
        starts = {h.first for h in chosen_hits}
        all_starts = {h.first for h in hits}
        unit_starts = [u.first for u in units]
        carried = carried_wishes(tokens, units) | denied_with_next(tokens, units)
        for hit in sorted(chosen_hits, key=lambda h: h.first):
            if hit.length == 1 and tokens[hit.first].key in GOVERNING_VERBS:
                nxt = [
                    i
                    for i in range(hit.first + 1, min(len(tokens), hit.first + 4))
                    if not tokens[i].is_stop and tokens[i].clause == tokens[hit.first].clause
                ][:1]
                if nxt and nxt[0] in starts:
                    continue
            if (
                workplace_mention(tokens, hit.first, hit.last)
                or modifies(tokens, hit.first)
                or material_of(tokens, hit, all_starts)
            ):
                continue
            if (
                hit.length == 1
                and (
                    (hit.first > 0 and tokens[hit.first - 1].norm in CHANNEL_WORDS)
                    or after_purpose(tokens, hit.first)
                )
                and not any(self.skills[e.skill].id in CHANNEL_SKILLS for e in hit.entries)
            ):
                continue
            unit_index = unit_position(units, unit_starts, hit.first)
            unit = units[unit_index] if unit_index is not None else None
            catalogue = [e for e in hit.entries if self.skills[e.skill].source != "esco"]
            chosen = catalogue or list(hit.entries)
            candidates = list(dict.fromkeys(e.skill for e in chosen))
            if hit.length == 1 and sells_own_goods(tokens, hit.first):
                candidates = [c for c in candidates if self.skills[c].id != SHOP_SALES]
                if not candidates:
                    continue
            row = (
                unit_rows.get(unit_index)
                if unit_rows is not None and unit_index is not None
                else None
            )
            weak = hit.length == 1 and not hit.shared
            if row is not None and (weak or len(candidates) > 1):
                best = max(candidates, key=lambda c: float(row[c]))
                needed = verify_threshold
                if weak and not hit.exact:
                    needed = max(needed, inexact_verify_threshold)
                if float(row[best]) < needed:
                    continue
                candidates = [best]
            accepted.update(range(hit.first, hit.last + 1))
            negated = (
                is_negated(tokens, unit, hit.first)
                or not_claimed(tokens, unit, hit.first)
                or denied_after(tokens, unit, hit.last)
                or unit_index in carried
            )
            level = mentioned_level(tokens, unit, hit.first, hit.last)
            start, end = tokens[hit.first].start, tokens[hit.last].end
            for skill_index in candidates:
                record = self.skills[skill_index]
                is_label = any(e.is_label for e in chosen if e.skill == skill_index)
                confidence = 0.95 if is_label else 0.9
                if not hit.exact:
                    confidence -= 0.07
                if record.source == "esco":
                    confidence -= 0.1
                if hit.length == 1 and len(tokens[hit.first].norm) > 3:
                    confidence -= 0.03
                add_found(
                    bucket,
                    ExtractedSkill.of(
                        record,
                        lang,
                        text[start:end],
                        start,
                        end,
                        confidence=round(confidence, 3),
                        level=level,
                        method="lexicon",
                        negated=negated,
                    ),
                    bare=weak,
                )
        return accepted

    def _semantic_hit(
        self,
        text: str,
        tokens: Sequence[Token],
        unit: Unit,
        row: np.ndarray,
        lang: str,
        bucket: dict[str, Found],
        carried: bool = False,
        threshold: float | None = None,
    ) -> None:
        threshold = self.threshold if threshold is None else threshold
        if sum(not tokens[i].is_stop for i in range(unit.first, unit.last + 1)) < 2:
            return  # one word: a name the lexicon missed is a place or a product ("Chincha")
        adjusted = row - ESCO_MARGIN * self._is_esco  # (n_skills,)
        best = int(np.argmax(adjusted))
        similarity = float(adjusted[best])
        if similarity < threshold:
            return
        record = self.skills[best]
        span = (1.0 - threshold) or 1.0
        confidence = min(0.8, 0.5 + 0.3 * (similarity - threshold) / span)
        add_found(
            bucket,
            ExtractedSkill.of(
                record,
                lang,
                text[unit.start : unit.end],
                unit.start,
                unit.end,
                confidence=round(confidence, 3),
                level=mentioned_level(tokens, unit, unit.first, unit.last, whole=True),
                method="semantic",
                negated=carried or unit_negated(tokens, unit),
            ),
        )


__all__ = [
    "DEFAULT_INEXACT_VERIFY_THRESHOLD",
    "DEFAULT_THRESHOLD",
    "MAX_SEMANTIC_UNITS",
    "MAX_TEXT_CHARS",
    "STOPWORDS",
    "SkillExtractor",
    "clean_text",
    "guess_lang",
]
