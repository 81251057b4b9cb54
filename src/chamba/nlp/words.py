"""Words of free text as the lexicon reads them: tokens, folding, stop words, shorthands,
stems and derivations, and workplace mentions."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from chamba.text import strip_accents

TOKEN_PATTERN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*(?:\+\+|#)?", re.UNICODE)
#: Characters that end a clause: matches never span them.
_CLAUSE_PUNCT = re.compile(r"[.,;:!?()\[\]\n/|•¿¡\"]")

STOPWORDS: frozenset[str] = frozenset(
    """
    de del la las el los lo al en y e o u a un una unos unas con para por que se me mi mis su sus
    le les nos como mas muy ya
    the of and or in on at to for with a an by from as my our your its into
    """.split()
)

#: Chat shorthands read as the word they stand for: "cuido niños x horas" (por), "ayudante d
#: cocina" (de), "tb hago" (también), "pa eventos" (para), "xq" (porque).
SHORTHANDS: dict[str, str] = {
    "x": "por",
    "xa": "para",
    "pa": "para",
    "pal": "para",
    "d": "de",
    "dl": "del",
    "q": "que",
    "k": "que",
    "ke": "que",
    "qe": "que",
    "xq": "porque",
    "pq": "porque",
    "porq": "porque",
    "xk": "porque",
    "tb": "tambien",
    "tbn": "tambien",
    "tmb": "tambien",
    "tmbn": "tambien",
    "tambn": "tambien",
    "cn": "con",
    "sn": "sin",
    "bn": "bien",
    "ps": "pues",
    "toy": "estoy",
    "kiero": "quiero",
    "kero": "quiero",
    "qiero": "quiero",
    "kisiera": "quisiera",
}

#: Words that never make a one-word pattern (negation cues, conjunctions, fillers).
NON_SKILL_WORDS: frozenset[str] = frozenset(
    """
    no nunca jamas sin ni tampoco nada not never without cant cannot dont didnt nor neither
    pero aunque sino ademas tambien but although also however bien well good buen bueno
    """.split()
)

#: Short tokens kept as one-word patterns (compared without accents, lower case).
ACRONYMS: frozenset[str] = frozenset(
    """
    sql php css aws gcp sap erp crm seo sem ux ui bim cad gps tic ti it ia ai ml bi api
    vba r c# c++ go qa hr rrhh ssoma sst iso haccp bpm pos dj vr ar cnc plc sig gis ofimatica git
    """.split()
)

#: One-word ESCO synonyms too generic to signal a skill on their own.
GENERIC_WORDS: frozenset[str] = frozenset(
    """
    trabajo trabajar work working gestion gestionar manage management comunicar comunicacion
    ayudar ayuda help apoyo apoyar support usar utilizar use using hacer make aplicar apply
    realizar perform servicio servicios service services cliente clientes customer customers
    personas people equipo equipos team equipment control controlar controlling sistema
    sistemas system systems proceso procesos process informacion information datos data
    producto productos product products calidad quality seguridad safety security
    """.split()
)

#: Common words that share a stem with a one-word skill name but are other words: they match a
#: name only when they are that very name (``tareas`` is not ``tareo``, ``planta`` is not
#: ``plantar``, ``medio`` is not ``mediar``; ``ordeno el stock`` is not ``ordenado``, ``mandarina``
#: is not ``mandarín``). Found by an audit of the one-word catalogue names
#: over ~2,500 real Spanish job ads: these surface forms made most stem-only matches there.
STEM_FALSE_FRIENDS: frozenset[str] = frozenset(
    """
    tarea tareas planta plantas medio media medios mercaderia mercaderias franco plata salon
    salones taller talleres queres plato platos lavo lava lave lavar lavando lavaba lavado
    ordeno ordena ordenan ordenaba ordenaban ordenamos ordenar ordenando organizo organiza
    organizaba organizamos mandarina mandarinas maestro maestros integrado integrada integrados
    integradas pescado pescados port ports pick picks picked carretilla carretillas reciclaje
    guardia guardias window postrado postrada postrados postradas jale jales
    """.split()
)

#: Names of workplaces (shops, restaurants, lodgings, plants...), folded. A skill name made of
#: these words names a place: "trabajé en una pollería" says where, not what the person did
#: (see :func:`workplace_mention`); "tengo mi pollería" or "pollería" alone still counts.
WORKPLACE_WORDS: frozenset[str] = frozenset(
    """
    botica boticas farmacia farmacias inkafarma mifarma drugstore pharmacy nido nidos
    polleria pollerias cevicheria chifa pizzeria sangucheria jugueria carniceria panaderia
    pasteleria chocolateria picanteria restaurante restaurant cafeteria comedor
    ferreteria lubricentro bodega bodegas minimarket hostal hostel hospedaje albergue hotel
    imprenta ladrillera brickworks grifo almacen warehouse lavanderia tintoreria peluqueria
    barberia spa call center packing lecheria chancheria ceba
    """.split()
)
#: Nouns of a workplace described by what it does: "una fábrica de galletas", "a fast food
#: restaurant". What describes them names the place, not the person's work.
WORKPLACE_HEADS: frozenset[str] = frozenset(
    """
    restaurante restaurantes fabrica fabricas taller talleres tienda tiendas empresa empresas
    negocio negocios local planta plantas agencia agencias cadena centro oficina oficinas
    restaurant restaurants factory factories shop shops store stores company companies
    business plant agency firm chain distribuidora distribuidoras distributor distributors
    """.split()
)
WORKPLACE_NOUNS = WORKPLACE_HEADS | WORKPLACE_WORDS
#: Prepositions and articles that, right before a workplace name, make it a place.
_ROLE = re.compile(r"(?:ero|era|eros|eras|dor|dora|dores|doras|ista|istas)$")
_LOCATIVE_PREPOSITIONS = frozenset("en in at de del al para for of from".split())
#: "en una", "at a"... inside a name: such names may span a place phrase, others may not
#: ("cocina en un chifa" is not "cocina chifa"; "compro en el mayorista" still is "comprar en
#: mayorista").
PLACE_PATTERN = re.compile(r"\b(?:en|in|at) (?:un|una|unos|unas|a|an)\b")
INDEFINITE = frozenset("un una unos unas a an".split())
CONJUNCTIONS = frozenset("y e o u and or".split())
_ARTICLES = frozenset("un una unos unas el la los las a an the".split())


def _locative(tokens: Sequence[Token], first: int) -> bool:
    """Token ``first`` follows "en una", "at a", "del"...: it starts a place."""
    before = [t.norm for t in tokens[max(0, first - 2) : first]]
    if before and before[-1] in ("del", "al"):
        return True
    return len(before) == 2 and before[0] in _LOCATIVE_PREPOSITIONS and before[1] in _ARTICLES


def workplace_mention(tokens: Sequence[Token], first: int, last: int) -> bool:
    """Tokens ``[first, last]`` name or describe a workplace, not a skill: workplace names
    after a preposition and an article ("en una pollería", "at a call center", "del hostal"),
    or what a workplace does ("en un restaurante de comida rápida", "at a fast food
    restaurant").

    Example:
        >>> t = tokenize("trabajé en una pollería")
        >>> workplace_mention(t, 3, 3)
        True
        >>> workplace_mention(tokenize("tengo mi pollería"), 2, 2)
        False
        >>> workplace_mention(tokenize("en un restaurante de comida rápida"), 4, 5)
        True
        >>> workplace_mention(tokenize("atiendo a los clientes de una tienda online"), 6, 7)
        True
    """
    same = tokens[first].clause
    if all(tokens[i].norm in WORKPLACE_WORDS for i in range(first, last + 1)):
        return _locative(tokens, first)
    if last > first and (
        tokens[first].norm in WORKPLACE_HEADS or tokens[last].norm in WORKPLACE_HEADS
    ):  # "en una tienda online", "for an online store", "en una planta de alimentos"
        return _locative(tokens, first)
    if (
        first >= 4
        and tokens[first - 1].norm == "de"
        and tokens[first - 2].norm in WORKPLACE_NOUNS
        and tokens[first - 2].clause == same
        and not _ROLE.search(tokens[first].norm)  # "en una pollería de cajera": a role
        and _locative(tokens, first - 2)
    ):
        return True
    after = last + 1
    return (
        after < len(tokens)
        and tokens[after].clause == same
        and tokens[after].norm in WORKPLACE_HEADS
        and _locative(tokens, first)
    )


_IRREGULAR: dict[str, str] = {
    "drove": "drive",
    "driven": "drive",
    "sold": "sell",
    "taught": "teach",
    "built": "build",
    "made": "make",
    "ran": "run",
    "wrote": "write",
    "written": "write",
    "spoke": "speak",
    "spoken": "speak",
    "fed": "feed",
    "grew": "grow",
    "grown": "grow",
    "kept": "keep",
    "sewed": "sew",
    "sewn": "sew",
    "cooked": "cook",
    "atiendo": "atender",
    "atiende": "atender",
    "atienden": "atender",
    "atiendes": "atender",
    "atendia": "atender",
    "hice": "hacer",
    "hizo": "hacer",
    "hago": "hacer",
}

_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        """
        aciones iciones amientos imientos amiento imiento acion icion idades idad adoras adores
        adora ador edoras edores edora edor idora idor adura aduras eza
        istas ista erias eria eros eras ero era
        iendo ando yendo abamos aramos ieramos aron ieron aste iste aban abas aba ian ias ia
        amos emos imos ados adas idos idas ado ada ido ida ar er ir an en as es os a e o i s
        ement ment ings ing ers ies ed er ly
        """.split(),
        key=len,
        reverse=True,
    )
)
_MIN_STEM = 4


_AGENT = re.compile(r"(?:dor|dora|dores|doras|ista|istas)$")
_ACTION = re.compile(r"(?:cion|ciones|miento|mientos)$")
#: Trade and shop nouns: ``fierrero``/``fierreria`` (the trade), not ``fierro`` (the material).
_TRADE = re.compile(r"(?:ero|era|eros|eras|eria|erias)$")


def derivation(word: str) -> str:
    """Derivational class of a folded Spanish word: ``agent``, ``action``, ``trade`` or ``""``.

    Agent nouns end in ``-dor``/``-dora`` or ``-ista`` (``maquinista``, ``electricista``); trade
    and shop nouns in ``-ero``/``-era``/``-ería`` (``vidriero``, ``fierreria``), which share a
    stem with the material or object of the trade (``vidrio``, ``fierro``) but name the trade.

    Example:
        >>> [derivation(w) for w in ("cargador", "excavacion", "carga", "vendia", "maquinista")]
        ['agent', 'action', '', '', 'agent']
        >>> [derivation(w) for w in ("vidriero", "vidrios", "panaderia", "panadero")]
        ['trade', '', 'trade', 'trade']
    """
    if len(word) > 5 and _AGENT.search(word):
        return "agent"
    if len(word) > 6 and _ACTION.search(word):
        return "action"
    if len(word) > 6 and _TRADE.search(word):
        return "trade"
    return ""


def is_stopword(word: str) -> bool:
    """A function word; one written with ``ñ`` never is (``uñas`` is not ``unas``).

    Example:
        >>> [is_stopword(w) for w in ("unas", "uñas", "de")]
        [True, False, True]
    """
    return fold(word) in STOPWORDS and "ñ" not in word.casefold()


def fold(word: str) -> str:
    """Accent- and case-folded word, apostrophes removed (``can't`` -> ``cant``).

    Example:
        >>> fold("Cosechó")
        'cosecho'
    """
    return strip_accents(word).casefold().replace("'", "").replace("’", "")


def stem(word: str) -> str:
    """Light Spanish/English stem of a folded word: plural off, then one suffix (longest first).

    Example:
        >>> [stem(w) for w in ("cosecha", "cosechando", "cosechaba", "cosechar")]
        ['cosech', 'cosech', 'cosech', 'cosech']
        >>> [stem(w) for w in ("drive", "driving", "drove")]
        ['driv', 'driv', 'driv']
    """
    word = _IRREGULAR.get(word, word)
    if len(word) <= _MIN_STEM or not word.isalpha():
        return word
    if word.endswith("es") and len(word) - 2 >= _MIN_STEM:
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss") and len(word) - 1 >= _MIN_STEM:
        word = word[:-1]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            return word[: -len(suffix)]
    return word


@functools.lru_cache(maxsize=262_144)
def key(word: str) -> str:
    """The trie key of a folded word: its stem, or the word without a plural ``s``."""
    stemmed = stem(word)
    if stemmed != word or len(word) <= 3 or not word.isalpha():
        return stemmed
    if word.endswith("es") and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and len(word) > 4:
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class Token:
    """A word of the input with its character span, folded form, trie key and clause number."""

    text: str
    start: int
    end: int
    norm: str
    key: str
    clause: int

    @property
    def is_stop(self) -> bool:
        return self.norm in STOPWORDS and "ñ" not in self.text.casefold()


def tokenize(text: str) -> list[Token]:
    """Words of ``text`` with offsets; ``clause`` increases at each clause punctuation mark.

    Chat shorthands (:data:`SHORTHANDS`) are read as their words: ``x`` is ``por``.

    Example:
        >>> [(t.norm, t.clause) for t in tokenize("Manejo Excel, y atiendo")]
        [('manejo', 0), ('excel', 0), ('y', 1), ('atiendo', 1)]
        >>> [t.norm for t in tokenize("cuido niños x horas, tb cocino")]
        ['cuido', 'ninos', 'por', 'horas', 'tambien', 'cocino']
    """
    breaks = [m.start() for m in _CLAUSE_PUNCT.finditer(text)]
    tokens: list[Token] = []
    clause = 0
    b = 0
    for match in TOKEN_PATTERN.finditer(text):
        while b < len(breaks) and breaks[b] < match.start():
            b += 1
            clause = b
        norm = fold(match.group())
        norm = SHORTHANDS.get(norm, norm)
        tokens.append(Token(match.group(), match.start(), match.end(), norm, key(norm), clause))
    return tokens
