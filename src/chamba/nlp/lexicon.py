"""Lexicon matching: skill labels and synonyms found in free text, Spanish, English or mixed.

Text and patterns go through the same pipeline: tokenise (keeping character offsets), normalise
(accents and case folded with :func:`chamba.text.normalize` rules), drop function words
(``de``, ``la``, ``the``...) and reduce each word to a *key* with a light Spanish/English
stemmer, so ``cosecha``, ``cosechando``, ``cosechaba`` and ``cosechar`` share ``cosech`` and
``drive``/``driving``/``drove`` share ``driv``. Patterns live in a trie over key sequences; a scan
collects every match inside a clause and keeps the longest (catalogue skills beat ESCO skills on
the same span).

Precision guards (they matter with the ~13,500 ESCO skills and their short synonyms):

* a pattern made only of function words is dropped; a word written with ``ñ`` is never a
  function word, so ``uñas`` (folded ``unas``) stays in ``pintar uñas``;
* a one-word pattern of 3 characters or fewer is dropped unless it is a known acronym
  (:data:`ACRONYMS`) or written in capitals in the catalogue (``SQL``, ``GPS``);
* a one-word ESCO pattern needs at least 5 characters and must not be a generic word
  (:data:`GENERIC_WORDS`);
* stems shorter than 4 letters are not used; the word itself (without plural ``s``) is the key,
  so ``mesero`` never matches ``meses``;
* a one-word match on stems only (not the same folded word) must keep the word's derivational
  class (:func:`derivation`): inflections match (``vendía``/``vender``, ``siembro``/``siembra``)
  but an agent or instrument noun in ``-dor``/``-dora`` or an action noun in ``-ción``/``-miento``
  does not match its bare root (``cargador`` is not ``carga``, ``nivelación`` is not ``nivel``,
  ``excavadora`` is not ``excavar``, ``ordeñador`` is not ``ordeno``; ``maquinista`` is not
  ``máquinas``, ``electricista`` is not ``eléctrico``);
* a common word of :data:`STEM_FALSE_FRIENDS` matches only a name that is that word;
* a word ending like a Spanish noun (``-a``/``-o``/``-as``/``-os``) matches a one-word English
  name only when it is that word (``turno`` is not ``turner``, ``planta`` is not ``planting``,
  ``fábrica`` is not ``fabrics``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chamba.nlp.schemas import SkillRecord
from chamba.text import strip_accents

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*(?:\+\+|#)?", re.UNICODE)
#: Characters that end a clause: matches never span them.
_CLAUSE_PUNCT = re.compile(r"[.,;:!?()\[\]\n/|•¿¡\"]")

STOPWORDS: frozenset[str] = frozenset(
    """
    de del la las el los lo al en y e o u a un una unos unas con para por que se me mi mis su sus
    le les nos como mas muy ya
    the of and or in on at to for with a an by from as my our your its into
    """.split()
)

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
    vba r c# c++ go qa hr rrhh ssoma sst iso haccp bpm pos dj vr ar cnc plc sig gis ofimatica
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
#: ``plantar``, ``medio`` is not ``mediar``). Found by an audit of the one-word catalogue names
#: over ~2,500 real Spanish job ads: these surface forms made most stem-only matches there.
STEM_FALSE_FRIENDS: frozenset[str] = frozenset(
    """
    tarea tareas planta plantas medio media medios mercaderia mercaderias franco plata salon
    salones taller talleres queres plato platos lavo lava lave lavar lavando lavaba lavado
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
    business plant agency firm chain
    """.split()
)
_WORKPLACE_NOUNS = WORKPLACE_HEADS | WORKPLACE_WORDS
#: Prepositions and articles that, right before a workplace name, make it a place.
_ROLE = re.compile(r"(?:ero|era|eros|eras|dor|dora|dores|doras|ista|istas)$")
_LOCATIVE_PREPOSITIONS = frozenset("en in at de del al para for of from".split())
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
    """
    same = tokens[first].clause
    if all(tokens[i].norm in WORKPLACE_WORDS for i in range(first, last + 1)):
        return _locative(tokens, first)
    if (
        first >= 4
        and tokens[first - 1].norm == "de"
        and tokens[first - 2].norm in _WORKPLACE_NOUNS
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
        return is_stopword(self.text)


def tokenize(text: str) -> list[Token]:
    """Words of ``text`` with offsets; ``clause`` increases at each clause punctuation mark.

    Example:
        >>> [(t.norm, t.clause) for t in tokenize("Manejo Excel, y atiendo")]
        [('manejo', 0), ('excel', 0), ('y', 1), ('atiendo', 1)]
    """
    breaks = [m.start() for m in _CLAUSE_PUNCT.finditer(text)]
    tokens: list[Token] = []
    clause = 0
    b = 0
    for match in _TOKEN.finditer(text):
        while b < len(breaks) and breaks[b] < match.start():
            b += 1
            clause = b
        norm = fold(match.group())
        tokens.append(Token(match.group(), match.start(), match.end(), norm, key(norm), clause))
    return tokens


@dataclass(frozen=True, slots=True)
class Entry:
    """One pattern: a name of a skill, as folded words."""

    skill: int  # index into Lexicon.skills
    norms: tuple[str, ...]  # folded content words of the name
    is_label: bool
    english: bool = False  # an English-only name (label_en or synonyms_en)


@dataclass(frozen=True, slots=True)
class LexiconHit:
    """A pattern found in a token list: tokens ``[first, last]`` (content tokens, inclusive)."""

    first: int
    last: int
    entries: tuple[Entry, ...]
    exact: bool  # folded words equal the pattern's (not only their stems)

    @property
    def length(self) -> int:
        return self.last - self.first + 1


_END = ""  # trie slot of the entries ending at a node ("" is never a key)

TrieNode = dict[str, object]


class Lexicon:
    """A trie of the labels and synonyms of many skills over stemmed word sequences.

    Args:
        skills: the skill records (catalogue and ESCO); ESCO records whose ``esco_uri`` a
            catalogue record also carries are folded into the catalogue record.

    Example:
        >>> rec = SkillRecord("agri.cosecha", "cosecha de espárragos", "asparagus harvest")
        >>> lex = Lexicon([rec])
        >>> [lex.skills[e.skill].id for h in lex.find(tokenize("cosechaba espárragos"))
        ...  for e in h.entries]
        ['agri.cosecha']
    """

    def __init__(self, skills: Iterable[SkillRecord]) -> None:
        records = list(skills)
        catalogue_uris = {
            r.esco_uri for r in records if r.source != "esco" and r.esco_uri is not None
        }
        #: Skills in the lexicon (ESCO duplicates of catalogue skills left out).
        self.skills: list[SkillRecord] = [
            r for r in records if not (r.source == "esco" and r.esco_uri in catalogue_uris)
        ]
        self.root: TrieNode = {}
        self.patterns = 0
        for index, record in enumerate(self.skills):
            is_esco = record.source == "esco"
            labels = {record.label_es.strip(), record.label_en.strip()}
            spanish = {n.strip() for n in (record.label_es, *record.synonyms_es)}
            for name in record.names():
                words = _TOKEN.findall(name)
                content = [w for w in words if not is_stopword(w)]
                if not content:
                    continue
                if len(content) == 1 < len(words) and "-" in name:
                    continue  # "e-learning" is not "learning"
                if len(content) == 1 and not _single_word_ok(content[0], is_esco):
                    continue
                if len(content) > 8:  # descriptions, not names
                    continue
                norms = tuple(fold(w) for w in content)
                self._insert(Entry(index, norms, name in labels, name not in spanish))

    def _insert(self, entry: Entry) -> None:
        node = self.root
        for norm in entry.norms:
            node = node.setdefault(key(norm), {})  # type: ignore[assignment]
        bucket = node.setdefault(_END, [])
        assert isinstance(bucket, list)
        if all(e.skill != entry.skill or e.norms != entry.norms for e in bucket):
            bucket.append(entry)
            self.patterns += 1

    def find(self, tokens: Sequence[Token]) -> list[LexiconHit]:
        """Every pattern occurrence among the content tokens, one clause at a time.

        Args:
            tokens: output of :func:`tokenize`.

        Returns:
            Hits (possibly overlapping) with token indices into ``tokens``.
        """
        content = [i for i, t in enumerate(tokens) if not t.is_stop]
        hits: list[LexiconHit] = []
        for a, first in enumerate(content):
            node = self.root
            clause = tokens[first].clause
            for b in range(a, len(content)):
                tok = tokens[content[b]]
                if tok.clause != clause:
                    break
                child = node.get(tok.key)
                if child is None:
                    break
                node = child  # type: ignore[assignment]
                entries = node.get(_END)
                if entries:
                    assert isinstance(entries, list)
                    words = tuple(tokens[i].norm for i in content[a : b + 1])
                    exact = any(e.norms == words for e in entries)
                    if not exact and len(words) == 1:
                        if words[0] in STEM_FALSE_FRIENDS:
                            continue
                        kind = derivation(words[0])
                        spanish_form = words[0].endswith(_SPANISH_ENDINGS)
                        entries = [
                            e
                            for e in entries
                            if derivation(e.norms[0]) == kind and not (e.english and spanish_form)
                        ]
                        if not entries:
                            continue
                    hits.append(LexiconHit(first, content[b], tuple(entries), exact))
        return hits


def _single_word_ok(word: str, is_esco: bool) -> bool:
    folded = fold(word)
    if folded in NON_SKILL_WORDS:
        return False
    if len(folded) <= 3:
        return folded in ACRONYMS or (word.isupper() and not is_esco and len(word) >= 2)
    if is_esco:
        return len(folded) >= 5 and folded not in GENERIC_WORDS and stem(folded) not in _GENERIC
    return True


_GENERIC = frozenset(stem(w) for w in GENERIC_WORDS)
#: Spanish noun/adjective endings: such a word matches an English one-word name only when it is
#: the same word (``turno`` is not ``turner``, ``planta`` is not ``planting``).
_SPANISH_ENDINGS = ("a", "o", "as", "os")
