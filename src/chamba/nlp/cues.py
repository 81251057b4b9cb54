"""What the words around a skill mention say: negation, plans and wishes, other people, years
and levels, materials and modified nouns; the text's units (clauses) and its language."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from chamba.errors import InvalidInput
from chamba.nlp.lexicon import LexiconHit
from chamba.nlp.schemas import ExtractedSkill, Level
from chamba.nlp.words import Token, stem

#: Longest text :meth:`SkillExtractor.extract` accepts (characters); longer raises InvalidInput.
MAX_TEXT_CHARS = 100_000
#: Control characters (C0 except tab/newline/CR, DEL, C1) read as spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

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
#: Instagram", "saco citas por internet", "I sell clothes on Facebook"), not a skill of its own.
CHANNEL_WORDS: frozenset[str] = frozenset({"por", "via", "through", "on"})
#: Skills that are themselves a channel: "cobro x Yape", "pago por POS" name them.
CHANNEL_SKILLS: frozenset[str] = frozenset({"digital_payments", "pos_terminal"})
#: A one-word skill name after "para" ("pa") names a purpose or a client, not the writer's
#: skill: "branding pa emprendedores", "declaraciones pa negocios chiquitos", "mantas para
#: vender" (an article may stand between).
PURPOSE_WORDS: frozenset[str] = frozenset({"para"})
_ARTICLES = frozenset("el la los las un una unos unas".split())


def after_purpose(tokens: Sequence[Token], first: int) -> bool:
    """Token ``first`` follows "para" (maybe with an article between) in its clause."""
    i = first - 1
    if i >= 0 and tokens[i].norm in _ARTICLES:
        i -= 1
    return i >= 0 and tokens[i].norm in PURPOSE_WORDS and tokens[i].clause == tokens[first].clause


#: Shop sales named by a bare sales verb whose object is a pronoun ("las vendo en la bioferia",
#: "I bake bread and sell them") is selling what the writer makes or grows, not shop work.
SHOP_SALES = "retail_sales"
_OBJECT_BEFORE = frozenset("lo la los las".split())
_OBJECT_AFTER = frozenset("them it".split())


def sells_own_goods(tokens: Sequence[Token], first: int) -> bool:
    """A sales verb at token ``first`` takes a pronoun object: "las vendo", "sell them",
    "venderlos"."""
    word = tokens[first].norm
    before = tokens[first - 1].norm if first > 0 else ""
    after = tokens[first + 1].norm if first + 1 < len(tokens) else ""
    return (
        before in _OBJECT_BEFORE
        or after in _OBJECT_AFTER
        or (word.startswith("vend") and word.endswith(("rlo", "rla", "rlos", "rlas")))
    )


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
#: Words between a skill and its denial ("maquinaria pesada de obra no manejo").
_DENIAL_GAP = 2
#: Verb endings after "no" that deny: first person present ("melamina no trabajo") and the
#: past the writer tells a job in ("caja no manejaba", "eso no sabía", "no hacíamos").
_DENYING_ENDINGS = ("o", "aba", "abamos", "ia", "iamos")
#: Words in ``-o`` after "no" that are no first-person verb ("no mucho", "no solo").
_NOT_VERBS = frozenset(
    "mucho poco solo tanto tampoco claro todo nuevo habia tenia media dia todavia".split()
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
_MATERIALS = frozenset("lana lanas fibra fibras cuero cueros piel pieles tela telas".split())
_WINDOW = 3  # words between a cue and the match
_NEGATION_LOOKBACK = 6  # tokens scanned before a match for a negation cue


@dataclass(frozen=True, slots=True)
class Unit:
    """A short stretch of text: tokens ``[first, last]`` and its character span."""

    first: int
    last: int
    start: int
    end: int


def split_units(tokens: Sequence[Token]) -> list[Unit]:
    """Cut tokens at clause punctuation and boundary words (which belong to no unit)."""
    units: list[Unit] = []
    first: int | None = None
    for i, tok in enumerate(tokens):
        cut = tok.norm in BOUNDARY_WORDS
        if first is not None and (cut or tok.clause != tokens[first].clause):
            units.append(Unit(first, i - 1, tokens[first].start, tokens[i - 1].end))
            first = None
        if first is None and not cut:
            first = i
    if first is not None:
        units.append(Unit(first, len(tokens) - 1, tokens[first].start, tokens[-1].end))
    return units


def unit_position(units: Sequence[Unit], starts: Sequence[int], index: int) -> int | None:
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


def is_negated(tokens: Sequence[Token], unit: Unit | None, first: int) -> bool:
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


def unit_negated(tokens: Sequence[Token], unit: Unit) -> bool:
    return any(_is_cue(tokens, i) for i in range(unit.first, unit.last + 1)) or not_claimed(
        tokens, unit, unit.last + 1
    )


def not_claimed(tokens: Sequence[Token], unit: Unit | None, first: int) -> bool:
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


#: Words that join a unit to the one before without ending what the writer was saying.
_JOINING = frozenset("y e o u tambien ademas and or also plus".split())
_OWN_CLAIM = frozenset("yo i im soy tengo trabajo trabaje se".split())
#: Content words a unit may hold to inherit a wish from the unit before.
_CARRIED_LENGTH = 3


def carried_wishes(tokens: Sequence[Token], units: Sequence[Unit]) -> set[int]:
    """Indices of units that continue an unclaimed unit before them: "me gustaría aprender a
    coser y tb computación" (computación is a wish too), "quiero estudiar cocina o
    repostería". A unit continues the one before when only joining words ("y", "tb", "o",
    "and") stand between them in the same clause, it holds at most
    :data:`_CARRIED_LENGTH` content words and it does not open with a claim of the writer's
    own ("y yo cocino", "y trabajo de cajera")."""
    out: set[int] = set()
    for k in range(1, len(units)):
        prev, unit = units[k - 1], units[k]
        gap = range(prev.last + 1, unit.first)
        if (
            tokens[unit.first].clause != tokens[prev.last].clause
            or not all(tokens[i].norm in _JOINING for i in gap)
            or tokens[unit.first].norm in _OWN_CLAIM
            or sum(not tokens[i].is_stop for i in range(unit.first, unit.last + 1))
            > _CARRIED_LENGTH
        ):
            continue
        if k - 1 in out or not_claimed(tokens, prev, prev.last + 1):
            out.add(k)
    return out


def denied_with_next(tokens: Sequence[Token], units: Sequence[Unit]) -> set[int]:
    """Indices of units denied by the unit joined after them: in "MIG y TIG todavía no sé"
    the denial after "TIG" also holds for "MIG". A unit counts when only joining words stand
    between it and the next unit (same clause) and that unit opens with a denied name."""
    out: set[int] = set()
    for k in range(len(units) - 2, -1, -1):
        unit, nxt = units[k], units[k + 1]
        gap = range(unit.last + 1, nxt.first)
        if tokens[nxt.first].clause != tokens[unit.last].clause or not all(
            tokens[i].norm in _JOINING or tokens[i].norm == "ni" for i in gap
        ):
            continue
        if k + 1 in out or denied_after(tokens, nxt, nxt.first):
            out.add(k)
    return out


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


def mentioned_level(
    tokens: Sequence[Token], unit: Unit | None, first: int, last: int, *, whole: bool = False
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
class Found:
    result: ExtractedSkill
    rank: tuple[int, float]  # (not negated, confidence)
    bare: bool = False  # read from one word only ("vendo", "chofer")


def denied_after(tokens: Sequence[Token], unit: Unit | None, last: int) -> bool:
    """A denial after token ``last`` in its unit: "no sé", "no hablo" ("tarrajeo no sé
    hacer"), "no" and a first-person verb ("melamina no trabajo", "inyectables no pongo"),
    "ni idea" ("gasfitería ni idea"); up to :data:`_DENIAL_GAP` words may stand between
    ("maquinaria pesada de obra no manejo")."""
    hi = unit.last if unit is not None else len(tokens) - 1
    start = last + 1
    for i in range(start, min(hi, last + _DENIAL_GAP + 1) + 1):
        norm = tokens[i].norm
        if norm in _STILL:  # "MIG todavía no sé"
            continue
        if norm == "ni" and i < hi and tokens[i + 1].norm == "idea":
            return True
        if norm in ("no", "nunca"):
            if i == hi:
                return True
            nxt = tokens[i + 1].norm
            return nxt in _DENYING_VERBS or (
                len(nxt) >= 4 and nxt.endswith(_DENYING_ENDINGS) and nxt not in _NOT_VERBS
            )
    return False


def material_of(tokens: Sequence[Token], hit: LexiconHit, starts: set[int]) -> bool:
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


def modifies(tokens: Sequence[Token], first: int) -> bool:
    """Token ``first`` follows "repuestos de", "lana de"...: it names what the noun is of."""
    return (
        first >= 2
        and tokens[first - 1].norm in ("de", "del")
        and tokens[first - 2].norm in MODIFIED_NOUNS
        and tokens[first - 2].clause == tokens[first].clause
    )
