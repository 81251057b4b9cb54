"""Skill extraction from free text (Spanish, English or a mix; formal or WhatsApp-style).

Two methods, combined:

1. **Lexicon** (:mod:`chamba.nlp.lexicon`): labels and synonyms of every skill, matched over
   accent/case-folded, lightly stemmed words; the longest match wins, catalogue skills beat ESCO
   skills on the same span. High confidence.
2. **Semantic**: the text is cut into short units (clause punctuation and the words ``y``,
   ``and``, ``pero``, ``también``...), each unit is encoded and compared (cosine) with one
   matrix of skill-name vectors; the best skill of a unit is accepted when its similarity
   reaches :data:`DEFAULT_THRESHOLD`. Lower confidence than lexicon hits. Skill vectors are
   computed once and kept in an :class:`~chamba.nlp.encoder.EmbeddingCache`.

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
cooking among domestic work is home cooking.

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

import bisect
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from chamba.errors import InvalidInput
from chamba.nlp.encoder import EmbeddingCache, TextEncoder, get_encoder
from chamba.nlp.lexicon import Lexicon, LexiconHit
from chamba.nlp.schemas import ExtractedSkill, Level, SkillRecord
from chamba.nlp.words import STOPWORDS, Token, stem, tokenize, workplace_mention

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
#: unit and the skill to be kept when semantic matching is on; also calibrated on the dev split.
DEFAULT_VERIFY_THRESHOLD = 0.30
#: Longest text :meth:`SkillExtractor.extract` accepts (characters); longer raises InvalidInput.
MAX_TEXT_CHARS = 100_000
#: Units of one text encoded for semantic matching (and verification); the rest are lexicon only.
MAX_SEMANTIC_UNITS = 256
#: Control characters (C0 except tab/newline/CR, DEL, C1) read as spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Extra similarity an ESCO-only skill needs over a catalogue skill for a semantic hit.
ESCO_MARGIN = 0.1

NEGATION_CUES: frozenset[str] = frozenset(
    """
    no nunca jamas sin ni tampoco nada ningun ninguna ninguno nose
    not never without cant cannot dont didnt doesnt wont havent hasnt nor neither
    """.split()
)
_NOT_NEGATING_NEXT = frozenset({"solo", "only", "embargo", "obstante"})  # "no solo", "sin embargo"
#: Words that end the scope of negation and levels, and split semantic units.
BOUNDARY_WORDS: frozenset[str] = frozenset(
    """
    y e pero aunque sino ademas tambien mientras porque luego entonces osea
    and but although though also however while because then plus
    """.split()
)
_LEVEL_WORDS: dict[str, Level] = {
    "basico": "basic",
    "basica": "basic",
    "basic": "basic",
    "poco": "basic",
    "poquito": "basic",
    "principiante": "basic",
    "beginner": "basic",
    "elemental": "basic",
    "intermedio": "intermediate",
    "intermedia": "intermediate",
    "intermediate": "intermediate",
    "regular": "intermediate",
    "avanzado": "advanced",
    "avanzada": "advanced",
    "advanced": "advanced",
    "experto": "advanced",
    "experta": "advanced",
    "expert": "advanced",
    "fluido": "advanced",
    "fluida": "advanced",
    "fluent": "advanced",
    "nativo": "advanced",
    "native": "advanced",
    "dominio": "advanced",
}
_LEVEL_PHRASES: dict[tuple[str, ...], Level] = {
    ("muy", "bien"): "advanced",
    ("very", "well"): "advanced",
    ("un", "poco"): "basic",
    ("a", "little"): "basic",
    ("mas", "o", "menos"): "intermediate",
}
_NUMBER_WORDS = {
    "un": 1,
    "uno": 1,
    "una": 1,
    "one": 1,
    "dos": 2,
    "two": 2,
    "tres": 3,
    "three": 3,
    "cuatro": 4,
    "four": 4,
    "cinco": 5,
    "five": 5,
    "seis": 6,
    "six": 6,
    "siete": 7,
    "seven": 7,
    "ocho": 8,
    "eight": 8,
    "nueve": 9,
    "nine": 9,
    "diez": 10,
    "ten": 10,
    "quince": 15,
    "veinte": 20,
}
_YEAR_WORDS = frozenset({"ano", "anos", "year", "years", "yrs", "anios", "anio"})
_EN_HINTS = frozenset("the and i my have with in of for at can worked work know".split())
_ES_HINTS = frozenset("el la de que y en los con trabaje se tengo soy mi por para".split())
#: Verbs that also name a skill ("manejar" = drive) but usually govern another one.
GOVERNING_VERBS: frozenset[str] = frozenset(
    stem(w) for w in "manejar manejo operar opero usar uso utilizar handle operate use".split()
)
#: Verbs of learning or becoming: a skill after "quiero aprender", "quisiera trabajar de",
#: "want to learn", "I'd like to become"... is a plan, not a skill the writer has yet.
PLAN_VERBS: frozenset[str] = frozenset(
    """
    aprender aprenderlo aprenderla estudiar capacitarme formarme especializarme llevar seguir
    trabajar entrar ser dedicarme sacar obtener conseguir tener abrir poner ir irme
    learn learning study studying become work take be get obtain have open go
    """.split()
)
#: Words of wishing or planning that, up to 3 words before a plan verb, make it a plan.
WISH_WORDS: frozenset[str] = frozenset(
    """
    quiero quisiera quisieramos queremos gustaria encantaria deseo deseamos pienso planeo
    espero voy vamos
    want wanna wants like love hope hoping plan planning going
    """.split()
)
#: A one-word skill name right after these is the channel of something else ("vendo por
#: Instagram", "saco citas por internet"), not a skill of its own.
CHANNEL_WORDS: frozenset[str] = frozenset({"por", "via", "through"})
#: Relatives and others: a unit that opens with "mi esposo...", "my wife..." speaks of them.
OTHER_PEOPLE: frozenset[str] = frozenset(
    """
    esposo esposa marido mujer pareja novio novia hijo hija hijos hijas papa mama padre madre
    padres hermano hermana hermanos hermanas tio tia primo prima abuelo abuela suegro suegra
    cunado cunada vecino vecina amigo amiga enamorado enamorada
    husband wife partner son daughter kids father mother dad mom parents brother sister
    uncle aunt cousin grandfather grandmother neighbour neighbor friend boyfriend girlfriend
    """.split()
)
_POSSESSIVES = frozenset({"mi", "mis", "my"})
#: After a skill, "no" + one of these denies it: "tarrajeo no sé", "inglés no hablo".
_STILL = frozenset("todavia aun tampoco yet".split())
_DENYING_VERBS = frozenset(
    "se sabe hago hace hablo habla manejo maneja puedo domino conozco tengo he uso".split()
)
#: Nouns whose "de ..." names a material, part or place, not the work: "repuestos de cocinas"
#: is not cooking, "lana de oveja" is not raising sheep, "campos de espárrago" not harvesting.
MODIFIED_NOUNS: frozenset[str] = frozenset(
    """
    repuesto repuestos parte partes pieza piezas accesorio accesorios lana lanas fibra fibras
    cuero cueros piel pieles carne carnes leche tela telas semilla semillas campo campos fundo
    fundos sacos bolsas cajas packing empaque
    """.split()
)
#: "<verb> ... por/en <channel>" constructions: (verb keys, channel words, skill id). Selling
#: through a social network is social selling, over the phone telemarketing, at a market or fair
#: a market stall; attending by WhatsApp or chat is chat support; classes by Zoom are online
#: tutoring. Skill ids absent from the extractor's table are ignored.
CHANNEL_CONSTRUCTIONS: tuple[tuple[frozenset[str], frozenset[str], str], ...] = (
    (
        frozenset({"vend", "sell", "ofrec", "ofrezco"}),
        frozenset(
            "facebook whatsapp whatsap wsp instagram insta tiktok marketplace internet redes"
            " online".split()
        ),
        "social_selling",
    ),
    (
        frozenset({"vend", "sell"}),
        frozenset("telefono phone llamadas calls".split()),
        "telemarketing",
    ),
    (
        frozenset({"vend", "sell"}),
        frozenset("mercado mercados feria ferias market markets fair".split()),
        "market_stall_sales",
    ),
    (
        frozenset({"atiendo", "atend", "atender", "respond", "contest", "answer"}),
        frozenset("whatsapp whatsap wsp chat".split()),
        "chat_whatsapp_support",
    ),
    (
        frozenset({"clase", "clases", "ensen", "dict", "teach", "class", "classes", "tutor"}),
        frozenset("zoom meet virtual virtuales online internet".split()),
        "online_tutoring",
    ),
)
_MATERIALS = frozenset("lana lanas fibra fibras cuero cueros piel pieles tela telas".split())
_CONSTRUCTION_SPAN = 6  # tokens from the verb to the channel word
#: A broad skill read from one bare word ("vendo", "sell", "chofer", "drive", "tiktok") gives
#: way to a narrower skill of the same trade found in the same text: "vendo ropa por Facebook"
#: is social selling, not shop sales; "I drive a mototaxi" is not car driving.
NARROWER: dict[str, frozenset[str]] = {
    "retail_sales": frozenset(
        """
        social_selling catalog_sales street_vending street_food market_stall_sales
        corner_shop_management auto_parts_sales mobile_phone_sales hardware_store_sales
        telemarketing field_sales handicraft_sales travel_agency_sales product_promotion
        ecommerce fuel_station_service pharmacy_assistance
        """.split()
    ),
    "car_driving": frozenset(
        """
        taxi_driving bus_driving truck_driving mototaxi_driving household_chauffeur
        motorcycle_delivery bicycle_delivery haul_truck_operation tractor_driving
        forklift_operation heavy_equipment_operation
        """.split()
    ),
    "truck_driving": frozenset({"haul_truck_operation"}),
    "fare_collection": frozenset({"debt_collection"}),
    "social_media_management": frozenset({"social_selling", "chat_whatsapp_support"}),
    "content_creation": frozenset({"video_editing", "social_selling"}),
    "packing_house_operations": frozenset({"fruit_packing", "fruit_grading"}),
    "office_reception": frozenset({"hotel_reception"}),
    "motorcycle_delivery": frozenset({"bicycle_delivery"}),
}
#: Cooking named by a bare word ("cocino", "I cook") among domestic work (children, cleaning,
#: laundry, elders) is cooking at home, unless a restaurant is mentioned.
HOME_COOKING = ("peruvian_cuisine", "home_cooking")
DOMESTIC_SKILLS: frozenset[str] = frozenset(
    """
    childcare house_cleaning laundry ironing elderly_care household_management
    home_elder_companion disability_care newborn_care
    """.split()
)
_RESTAURANT_WORDS = frozenset(
    """
    restaurante restaurantes restaurant restaurants menu menus polleria chifa cevicheria pension
    comedor picanteria cafeteria hotel
    """.split()
)
_WINDOW = 3  # words between a cue and the match
_NEGATION_LOOKBACK = 6  # tokens scanned before a match for a negation cue

Methods = Sequence[Literal["lexicon", "semantic"]]


@dataclass(frozen=True, slots=True)
class _Unit:
    """A short stretch of text: tokens ``[first, last]`` and its character span."""

    first: int
    last: int
    start: int
    end: int


def _units(tokens: Sequence[Token]) -> list[_Unit]:
    """Cut tokens at clause punctuation and boundary words (which belong to no unit)."""
    units: list[_Unit] = []
    first: int | None = None
    for i, tok in enumerate(tokens):
        cut = tok.norm in BOUNDARY_WORDS
        if first is not None and (cut or tok.clause != tokens[first].clause):
            units.append(_Unit(first, i - 1, tokens[first].start, tokens[i - 1].end))
            first = None
        if first is None and not cut:
            first = i
    if first is not None:
        units.append(_Unit(first, len(tokens) - 1, tokens[first].start, tokens[-1].end))
    return units


def _unit_index(units: Sequence[_Unit], starts: Sequence[int], index: int) -> int | None:
    """Index of the unit holding token ``index`` (``starts``: first token of each unit)."""
    k = bisect.bisect_right(starts, index) - 1
    if k >= 0 and units[k].first <= index <= units[k].last:
        return k
    return None


def clean_text(text: object) -> str:
    """Check and clean one input text: a ``str`` of at most :data:`MAX_TEXT_CHARS` characters.

    Control characters become spaces one for one, so offsets into the result are offsets into
    the input.

    Raises:
        InvalidInput: not a string, or too long.

    Example:
        >>> clean_text("Excel\x00 básico")
        'Excel  básico'
    """
    if not isinstance(text, str):
        raise InvalidInput(f"The text must be a string, not {type(text).__name__}.")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(
            f"The text has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}. "
            "Send a shorter text or split it."
        )
    return _CONTROL.sub(" ", text)


def _is_cue(tokens: Sequence[Token], i: int) -> bool:
    if tokens[i].norm not in NEGATION_CUES:
        return False
    nxt = tokens[i + 1].norm if i + 1 < len(tokens) else ""
    return nxt not in _NOT_NEGATING_NEXT


def _negated(tokens: Sequence[Token], unit: _Unit | None, first: int) -> bool:
    """A negation cue within the lookback window before token ``first``, inside its unit."""
    lower = unit.first if unit is not None else 0
    content = 0
    for i in range(first - 1, max(lower, first - _NEGATION_LOOKBACK) - 1, -1):
        if _is_cue(tokens, i):
            return True
        if not tokens[i].is_stop:
            content += 1
            if content > _WINDOW:
                return False
    return False


def _unit_negated(tokens: Sequence[Token], unit: _Unit) -> bool:
    return any(_is_cue(tokens, i) for i in range(unit.first, unit.last + 1)) or _not_claimed(
        tokens, unit, unit.last + 1
    )


def _not_claimed(tokens: Sequence[Token], unit: _Unit | None, first: int) -> bool:
    """The writer does not claim what starts at token ``first``: it follows a wish to learn
    ("quiero aprender costura", "I want to learn to drive") or the unit is about another
    person ("mi esposo es albañil", "my husband is a fisherman")."""
    if unit is None:
        return False
    opening = unit.first
    if (
        opening + 1 < first
        and tokens[opening].norm in _POSSESSIVES
        and tokens[opening + 1].norm in OTHER_PEOPLE
    ):
        return True
    for i in range(unit.first, first):  # a wish holds to the end of its unit
        if tokens[i].norm in PLAN_VERBS and any(
            tokens[j].norm in WISH_WORDS for j in range(max(unit.first, i - 3), i)
        ):
            return True
    return False


def _years(tokens: Sequence[Token], lo: int, hi: int) -> int | None:
    best: int | None = None
    for i in range(lo, hi + 1):
        if tokens[i].norm not in _YEAR_WORDS or i == lo:
            continue
        prev = tokens[i - 1].norm
        value = int(prev) if prev.isdigit() and len(prev) <= 2 else _NUMBER_WORDS.get(prev)
        if value is not None:
            best = max(best or 0, value)
    return best


def _level(
    tokens: Sequence[Token], unit: _Unit | None, first: int, last: int, *, whole: bool = False
) -> Level | None:
    """Level cue nearest to tokens ``[first, last]`` (or anywhere in the unit if ``whole``)."""
    lo = unit.first if unit is not None else 0
    hi = unit.last if unit is not None else len(tokens) - 1
    found: list[tuple[int, Level]] = []
    window = (
        range(lo, hi + 1)
        if whole
        else range(max(lo, first - _WINDOW - 1), min(hi, last + _WINDOW + 1) + 1)
    )
    for i in window:
        if first <= i <= last and not whole:
            continue
        distance = 0 if whole else (first - i if i < first else i - last)
        for phrase, level in _LEVEL_PHRASES.items():
            end = i + len(phrase)
            if end - 1 <= hi and tuple(t.norm for t in tokens[i:end]) == phrase:
                found.append((distance - 1 if phrase[0] == "muy" else distance, level))
        level_word = _LEVEL_WORDS.get(tokens[i].norm)
        if level_word is not None:
            found.append((distance, level_word))
    if found:
        return min(found, key=lambda item: item[0])[1]
    years = _years(tokens, lo, hi)
    if years is not None and years >= 5:
        return "advanced"
    if years is not None and years >= 2:
        return "intermediate"
    return None


def guess_lang(tokens: Sequence[Token]) -> str:
    """``"en"`` when English function words outnumber Spanish ones, else ``"es"``."""
    en = sum(t.norm in _EN_HINTS for t in tokens)
    es = sum(t.norm in _ES_HINTS for t in tokens)
    return "en" if en > es else "es"


@dataclass(slots=True)
class _Found:
    result: ExtractedSkill
    rank: tuple[int, float]  # (not negated, confidence)
    bare: bool = False  # read from one word only ("vendo", "chofer")


def _denied_after(tokens: Sequence[Token], unit: _Unit | None, last: int) -> bool:
    """ "no sé", "no hablo"... right after token ``last`` in its unit: "tarrajeo no sé hacer"."""
    hi = unit.last if unit is not None else len(tokens) - 1
    i = last + 1
    while i < hi and tokens[i].norm in _STILL:  # "MIG todavía no sé"
        i += 1
    if i > hi or tokens[i].norm not in ("no", "nunca"):
        return False
    return i == hi or tokens[i + 1].norm in _DENYING_VERBS


def _material(tokens: Sequence[Token], hit: LexiconHit, starts: set[int]) -> bool:
    """The hit names a material or part, not work: "lana de oveja" (a synonym that starts with
    a material noun), or a bare "repuestos" whose "de ..." starts another match ("repuestos de
    cocinas": parts of stoves, not auto parts)."""
    if hit.length > 1:
        return tokens[hit.first].norm in _MATERIALS and not any(e.is_label for e in hit.entries)
    if tokens[hit.first].norm not in MODIFIED_NOUNS:
        return False
    after = hit.last + 1
    return (
        after + 1 < len(tokens)
        and tokens[after].norm in ("de", "del")
        and tokens[after].clause == tokens[hit.first].clause
        and after + 1 in starts
    )


def _modifies(tokens: Sequence[Token], first: int) -> bool:
    """Token ``first`` follows "repuestos de", "lana de"...: it names what the noun is of."""
    return (
        first >= 2
        and tokens[first - 1].norm in ("de", "del")
        and tokens[first - 2].norm in MODIFIED_NOUNS
        and tokens[first - 2].clause == tokens[first].clause
    )


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
        skills: Iterable[Any],
        encoder: TextEncoder | None = None,
        *,
        cache: EmbeddingCache | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        verify_threshold: float = DEFAULT_VERIFY_THRESHOLD,
        semantic: bool = True,
        esco_synonym_vectors: bool = False,
    ) -> None:
        records = [s if isinstance(s, SkillRecord) else SkillRecord.from_obj(s) for s in skills]
        self.lexicon = Lexicon(records)
        self.skills = self.lexicon.skills
        self.threshold = threshold
        self.verify_threshold = verify_threshold
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
        **options: Any,
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
    ) -> list[list[ExtractedSkill]]:
        """:meth:`extract` over a batch; the phrases of all texts are encoded in one call.

        Raises:
            InvalidInput: a text is not a string or is longer than :data:`MAX_TEXT_CHARS`.
        """
        originals = list(texts)  # evidence is cut from these
        texts = [clean_text(text) for text in originals]  # same lengths, control chars -> spaces
        use_lexicon = "lexicon" in methods
        use_semantic = "semantic" in methods and self.semantic
        verify = use_semantic and use_lexicon
        found: list[dict[str, _Found]] = [{} for _ in texts]
        parsed = []
        keys: list[tuple[int, int]] = []  # (text, unit) of every unit with content
        for t, text in enumerate(texts):
            tokens = tokenize(text)
            units = _units(tokens)
            parsed.append((tokens, units, lang or guess_lang(tokens)))
            encoded = 0
            for u, unit in enumerate(units):
                if encoded >= MAX_SEMANTIC_UNITS:
                    break
                if not all(tokens[i].is_stop for i in range(unit.first, unit.last + 1)):
                    keys.append((t, u))
                    encoded += 1
        rows: dict[tuple[int, int], np.ndarray] = {}
        if keys and use_semantic:
            phrases = [texts[t][parsed[t][1][u].start : parsed[t][1][u].end] for t, u in keys]
            scores = self.skill_scores(phrases)  # (n_units, n_skills)
            rows = dict(zip(keys, scores, strict=True))
        for t, text in enumerate(originals):
            tokens, units, text_lang = parsed[t]
            covered: set[int] = set()
            if use_lexicon:
                unit_rows = {u: rows[(t, u)] for u in range(len(units)) if (t, u) in rows}
                covered = self._lexicon_pass(
                    text, tokens, units, text_lang, found[t], unit_rows if verify else None
                )
                self._constructions(text, tokens, units, text_lang, found[t], covered)
            if use_semantic:
                for u, unit in enumerate(units):
                    if (t, u) not in rows or any(unit.first <= c <= unit.last for c in covered):
                        continue
                    self._semantic_hit(text, tokens, unit, rows[(t, u)], text_lang, found[t])
            self._refine(tokens, text_lang, found[t])
        out: list[list[ExtractedSkill]] = []
        for bucket in found:
            results = [f.result for f in bucket.values()]
            if not include_negated:
                results = [r for r in results if not r.negated]
            out.append(sorted(results, key=lambda r: (r.start, r.skill_id)))
        return out

    def _add(
        self, bucket: dict[str, _Found], result: ExtractedSkill, *, bare: bool = False
    ) -> None:
        rank = (0 if result.negated else 1, result.confidence)
        old = bucket.get(result.skill_id)
        if old is None or rank > old.rank:
            bucket[result.skill_id] = _Found(result, rank, bare)
        elif not bare and old.rank == rank:
            old.bare = False

    def _constructions(
        self,
        text: str,
        tokens: Sequence[Token],
        units: Sequence[_Unit],
        lang: str,
        bucket: dict[str, _Found],
        covered: set[int],
    ) -> None:
        """Skills said by a verb and a channel in one clause (:data:`CHANNEL_CONSTRUCTIONS`):
        "vendo ropa por Facebook", "atiendo x WhatsApp", "sell them at the market"."""
        unit_starts = [u.first for u in units]
        for verbs, channels, skill_id in CHANNEL_CONSTRUCTIONS:
            index = self._by_id.get(skill_id)
            if index is None or skill_id in bucket:
                continue
            for i, tok in enumerate(tokens):
                if tok.key not in verbs and tok.norm not in verbs:
                    continue
                j = next(
                    (
                        j
                        for j in range(i + 1, min(len(tokens), i + _CONSTRUCTION_SPAN + 1))
                        if tokens[j].clause == tok.clause
                        and tokens[j].norm in channels
                        and j not in covered  # "vendo en ferias artesanales": handicrafts
                    ),
                    None,
                )
                if j is None:
                    continue
                unit_index = _unit_index(units, unit_starts, i)
                unit = units[unit_index] if unit_index is not None else None
                record = self.skills[index]
                start, end = tok.start, tokens[j].end
                self._add(
                    bucket,
                    ExtractedSkill(
                        skill_id=record.id,
                        label=record.label_en if lang == "en" else record.label_es,
                        esco_uri=record.esco_uri,
                        confidence=0.85,
                        evidence=text[start:end],
                        start=start,
                        end=end,
                        level=_level(tokens, unit, i, j),
                        method="lexicon",
                        negated=_negated(tokens, unit, i) or _not_claimed(tokens, unit, i),
                    ),
                )
                break

    def _refine(self, tokens: Sequence[Token], lang: str, bucket: dict[str, _Found]) -> None:
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
            and home in self._by_id
            and home not in bucket
            and claimed & DOMESTIC_SKILLS
            and not any(t.norm in _RESTAURANT_WORDS for t in tokens)
        ):
            record = self.skills[self._by_id[home]]
            del bucket[cuisine]
            label = record.label_en if lang == "en" else record.label_es
            update = {"skill_id": home, "label": label, "esco_uri": record.esco_uri}
            bucket[home] = _Found(found.result.model_copy(update=update), found.rank, True)

    def _lexicon_pass(
        self,
        text: str,
        tokens: Sequence[Token],
        units: Sequence[_Unit],
        lang: str,
        bucket: dict[str, _Found],
        unit_rows: dict[int, np.ndarray] | None,
    ) -> set[int]:
        """Add lexicon hits to ``bucket``; return the token indices they cover.

        With ``unit_rows`` (skill similarities of each unit, ``(n_skills,)`` per unit), weak
        hits are verified: a one-word hit, or a hit whose words name several catalogue skills,
        keeps only its candidate most similar to its unit, and only when that similarity reaches
        :attr:`verify_threshold`.
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
                or _modifies(tokens, hit.first)
                or _material(tokens, hit, all_starts)
            ):
                continue
            if hit.length == 1 and hit.first > 0 and tokens[hit.first - 1].norm in CHANNEL_WORDS:
                continue
            unit_index = _unit_index(units, unit_starts, hit.first)
            unit = units[unit_index] if unit_index is not None else None
            catalogue = [e for e in hit.entries if self.skills[e.skill].source != "esco"]
            chosen = catalogue or list(hit.entries)
            candidates = list(dict.fromkeys(e.skill for e in chosen))
            row = (
                unit_rows.get(unit_index)
                if unit_rows is not None and unit_index is not None
                else None
            )
            weak = hit.length == 1 and not hit.shared
            if row is not None and (weak or len(candidates) > 1):
                best = max(candidates, key=lambda c: float(row[c]))
                if float(row[best]) < self.verify_threshold:
                    continue
                candidates = [best]
            accepted.update(range(hit.first, hit.last + 1))
            negated = (
                _negated(tokens, unit, hit.first)
                or _not_claimed(tokens, unit, hit.first)
                or _denied_after(tokens, unit, hit.last)
            )
            level = _level(tokens, unit, hit.first, hit.last)
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
                self._add(
                    bucket,
                    ExtractedSkill(
                        skill_id=record.id,
                        label=record.label_en if lang == "en" else record.label_es,
                        esco_uri=record.esco_uri,
                        confidence=round(confidence, 3),
                        evidence=text[start:end],
                        start=start,
                        end=end,
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
        unit: _Unit,
        row: np.ndarray,
        lang: str,
        bucket: dict[str, _Found],
    ) -> None:
        adjusted = row - ESCO_MARGIN * self._is_esco  # (n_skills,)
        best = int(np.argmax(adjusted))
        similarity = float(adjusted[best])
        if similarity < self.threshold:
            return
        record = self.skills[best]
        span = (1.0 - self.threshold) or 1.0
        confidence = min(0.8, 0.5 + 0.3 * (similarity - self.threshold) / span)
        self._add(
            bucket,
            ExtractedSkill(
                skill_id=record.id,
                label=record.label_en if lang == "en" else record.label_es,
                esco_uri=record.esco_uri,
                confidence=round(confidence, 3),
                evidence=text[unit.start : unit.end],
                start=unit.start,
                end=unit.end,
                level=_level(tokens, unit, unit.first, unit.last, whole=True),
                method="semantic",
                negated=_unit_negated(tokens, unit),
            ),
        )


__all__ = [
    "DEFAULT_THRESHOLD",
    "MAX_SEMANTIC_UNITS",
    "MAX_TEXT_CHARS",
    "STOPWORDS",
    "SkillExtractor",
    "clean_text",
    "guess_lang",
]
