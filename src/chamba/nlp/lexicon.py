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

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from chamba.nlp.schemas import SkillRecord
from chamba.nlp.words import (
    ACRONYMS,
    CONJUNCTIONS,
    GENERIC_WORDS,
    INDEFINITE,
    NON_SKILL_WORDS,
    PLACE_PATTERN,
    STEM_FALSE_FRIENDS,
    TOKEN_PATTERN,
    WORKPLACE_NOUNS,
    Token,
    derivation,
    fold,
    is_stopword,
    key,
    stem,
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One pattern: a name of a skill, as folded words."""

    skill: int  # index into Lexicon.skills
    norms: tuple[str, ...]  # folded content words of the name
    is_label: bool
    english: bool = False  # an English-only name (label_en or synonyms_en)
    placed: bool = False  # the name itself holds "en el", "en la"... ("chamba en la palta")
    joined: bool = False  # the name itself joins words with "y", "o", "and"... ("carga y descarga")


@dataclass(frozen=True, slots=True)
class LexiconHit:
    """A pattern found in a token list: tokens ``[first, last]`` (content tokens, inclusive)."""

    first: int
    last: int
    entries: tuple[Entry, ...]
    exact: bool  # folded words equal the pattern's (not only their stems)
    shared: bool = False  # completed with the head of the hit before "y" ("... y arándano")

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
        self._keys: set[str] = set()  # every key of the trie
        self._words: dict[str, str] = {}  # folded pattern word -> its key
        self._spanish: set[str] = set()  # folded words of Spanish catalogue names
        self._english: set[str] = set()  # folded words of English-only catalogue names
        self._sounds: dict[str, set[str]] = {}  # sound of a catalogue word -> keys
        self._long_words: dict[str, list[str]] = {}  # first letter -> catalogue words >= 6
        self._resolved: dict[str, str | None] = {}  # unknown word -> key it stands for
        pending: list[Entry] = []
        for index, record in enumerate(self.skills):
            is_esco = record.source == "esco"
            labels = {record.label_es.strip(), record.label_en.strip()}
            spanish = {n.strip() for n in (record.label_es, *record.synonyms_es)}
            for name in record.names():
                words = TOKEN_PATTERN.findall(name)
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
                placed = PLACE_PATTERN.search(fold(name)) is not None
                joined = any(fold(w) in CONJUNCTIONS for w in words)
                pending.append(
                    Entry(index, norms, name in labels, name not in spanish, placed, joined)
                )
                in_spanish = name in spanish
                for norm in norms:
                    self._keys.add(key(norm))
                    self._words.setdefault(norm, key(norm))
                    if not is_esco:
                        (self._spanish if in_spanish else self._english).add(norm)
                    if not is_esco and norm.isalpha() and len(norm) >= 4:
                        if in_spanish:
                            self._sounds.setdefault(sound(norm), set()).add(key(norm))
                        if len(norm) >= 6:
                            self._long_words.setdefault(norm[0], []).append(norm)
        for entry in pending:
            self._insert(entry)
        for words in self._long_words.values():
            words[:] = sorted(set(words))

    def _insert(self, entry: Entry) -> None:
        paths = [tuple(key(norm) for norm in entry.norms)]
        if len(entry.norms) > 1 and not entry.english:
            # "sembrar papa" also under "siembr papa": "siembro papa" has another stem
            for at, norm in enumerate(entry.norms):
                for form in present_stems(norm) - _HOMOGRAPH_KEYS:
                    paths.append((*paths[0][:at], form, *paths[0][at + 1 :]))
        for path in paths:
            node = self.root
            for part in path:
                child = node.setdefault(part, {})
                assert isinstance(child, dict)
                node = child
            bucket = node.setdefault(_END, [])
            assert isinstance(bucket, list)
            if all(e.skill != entry.skill or e.norms != entry.norms for e in bucket):
                bucket.append(entry)
                if path is paths[0]:
                    self.patterns += 1

    def find(self, tokens: Sequence[Token]) -> list[LexiconHit]:
        """Every pattern occurrence among the content tokens, one clause at a time.

        Args:
            tokens: output of :func:`tokenize`.

        Returns:
            Hits (possibly overlapping) with token indices into ``tokens``.
        """
        content = [i for i, t in enumerate(tokens) if not t.is_stop]
        keys = {i: self.resolve(tokens[i]) for i in content}
        hits: list[LexiconHit] = []
        for a in range(len(content)):
            hits.extend(self._walk(tokens, content, keys, a, ()))
        hits.extend(self._shared_heads(tokens, content, keys, hits))
        return hits

    def _walk(
        self,
        tokens: Sequence[Token],
        content: Sequence[int],
        keys: dict[int, str],
        a: int,
        head: tuple[str, ...],
    ) -> list[LexiconHit]:
        """Patterns starting at content token ``a`` (after the trie path ``head``, if any)."""
        node = self.root
        for part in head:
            child = node.get(part)
            if not isinstance(child, dict):
                return []
            node = child
        first = content[a]
        clause = tokens[first].clause
        hits: list[LexiconHit] = []
        placed = False  # a place phrase ("en una", "at the") stands between matched words
        joined = False  # "y", "o", "and"... stands between matched words
        for b in range(a, len(content)):
            tok = tokens[content[b]]
            if tok.clause != clause:
                break
            if b > a and _place_between(tokens, content[b - 1], content[b]):
                placed = True
            if b > a and any(
                tokens[i].norm in CONJUNCTIONS for i in range(content[b - 1] + 1, content[b])
            ):
                joined = True
            child = node.get(keys[content[b]])
            if not isinstance(child, dict):
                break
            node = child
            entries = node.get(_END)
            if not entries:
                continue
            assert isinstance(entries, list)
            if placed:
                entries = [e for e in entries if e.placed]
            if joined:  # "limpiando y cocinando" is no "limpiar cocina"
                entries = [e for e in entries if e.joined]
            words = tuple(tokens[i].norm for i in content[a : b + 1])
            exact = not head and any(e.norms == words for e in entries)
            if not exact and len(words) == 1 and not head:
                if words[0] in STEM_FALSE_FRIENDS:
                    continue
                kind = derivation(words[0])
                spanish_form = words[0].endswith(_SPANISH_ENDINGS)
                entries = [
                    e
                    for e in entries
                    if derivation(e.norms[0]) == kind and not (e.english and spanish_form)
                ]
            if entries:
                hits.append(LexiconHit(first, content[b], tuple(entries), exact, bool(head)))
        return hits

    def _shared_heads(
        self,
        tokens: Sequence[Token],
        content: Sequence[int],
        keys: dict[int, str],
        hits: Sequence[LexiconHit],
    ) -> list[LexiconHit]:
        """A head shared across "y"/"o": after a hit of two words or more ("cosecha de palta"),
        the words after the conjunction are tried with the hit's head ("y arándano" ->
        "cosecha de arándano"). The new hit covers only the words after the conjunction."""
        position = {index: n for n, index in enumerate(content)}
        longest: dict[int, LexiconHit] = {}
        for hit in hits:
            if hit.first != hit.last and (
                hit.first not in longest or hit.last > longest[hit.first].last
            ):
                longest[hit.first] = hit
        out: list[LexiconHit] = []
        for hit in longest.values():
            n = position[hit.last]
            if n + 1 >= len(content):
                continue
            nxt = content[n + 1]
            if tokens[nxt].clause != tokens[hit.last].clause or not any(
                tokens[i].norm in CONJUNCTIONS for i in range(hit.last + 1, nxt)
            ):
                continue
            head = tuple(keys[i] for i in content[position[hit.first] : n])
            out.extend(self._walk(tokens, content, keys, n + 1, head)[-1:])
        return out

    def resolve(self, token: Token) -> str:
        """The trie key ``token`` stands for: its own key, or, for a word no pattern knows, the
        key of the pattern word it is a form or a misspelling of.

        In order: a form of an irregular verb (``doy`` -> ``dar``: :data:`IRREGULAR_FORMS`); a
        diminutive of a pattern word (``bodeguita`` -> ``bodega``, ``tallercito``
        -> ``taller``: :func:`diminutive_bases`); a verb form whose infinitive is a word of a
        Spanish name (``siembro`` -> ``sembrar``, ``tiño`` -> ``teñir``, ``conduzco`` ->
        ``conducir``: :func:`verb_lemmas`);
        a word of 5 letters or more that sounds like one word of a Spanish catalogue name
        (``cosina`` -> ``cocina``, ``bisicleta`` -> ``bicicleta``: :func:`sound`); a word of 9
        letters or more with two neighbours swapped or one inner letter left out from exactly
        one catalogue word with the same first letter (``carpitnero``, ``ilustrator``).
        Results are cached per word.

        Example:
            >>> lex = Lexicon([SkillRecord("c", "cocina", "cooking", ("sembrar papa",))])
            >>> [lex.resolve(t) for t in tokenize("siembro papa, cosina")]
            ['sembr', 'papa', 'cocin']
        """
        irregular = IRREGULAR_FORMS.get(token.norm)
        if irregular is not None and irregular in self._words:
            return self._words[irregular]
        if token.key in self._keys or token.is_stop:
            return token.key
        word = token.norm
        if len(word) < 4 or not word.isalpha() or word in NEVER_RESOLVED:
            return token.key
        resolved = self._resolved.get(word, _UNSEEN)
        if resolved is _UNSEEN:
            if len(self._resolved) > _RESOLVED_MAX:
                self._resolved.clear()
            resolved = self._resolved[word] = self._resolve_word(word)
        return resolved or token.key

    def _resolve_word(self, word: str) -> str | None:
        for base in diminutive_bases(word):
            if base in self._words:
                return self._words[base]
        lemmas = {
            self._words[w]
            for w in verb_lemmas(word)
            if w in self._spanish and w not in self._english  # "center" is no verb
        }
        if len(lemmas) == 1:
            return lemmas.pop()
        if len(word) >= 5:
            sounds = self._sounds.get(sound(word), set())
            if len(sounds) == 1:
                return next(iter(sounds))
        if len(word) < 9:
            return None
        choices = self._long_words.get(word[0], [])
        if extractOne(word, choices, scorer=OSA.distance, score_cutoff=1) is None:
            return None
        close = {
            self._words[w]
            for w in choices
            if abs(len(w) - len(word)) <= 1
            and OSA.distance(word, w, score_cutoff=1) <= 1
            and _slip(word, w)
        }
        return close.pop() if len(close) == 1 else None


_DIMINUTIVES = (
    ("citos", ""),
    ("citas", ""),
    ("cito", ""),
    ("cita", ""),
    ("itos", "os"),
    ("itas", "as"),
    ("ito", "o"),
    ("ita", "a"),
)


def diminutive_bases(word: str) -> list[str]:
    """Words a folded Spanish diminutive may be formed from: ``bodeguita`` -> ``bodega``,
    ``tallercito`` -> ``taller``, ``chiquito`` -> ``chico`` (``qu``/``gu`` before ``i`` spelled
    back ``c``/``g``); bases shorter than 4 letters are left out.

    Example:
        >>> diminutive_bases("bodeguita"), diminutive_bases("tallercito")
        (['bodega'], ['taller', 'tallerco'])
    """
    out: list[str] = []
    for suffix, ending in _DIMINUTIVES:
        if not word.endswith(suffix):
            continue
        root = word[: len(word) - len(suffix)]
        if root.endswith("qu"):
            root = root[:-2] + "c"
        elif root.endswith("gu"):
            root = root[:-1]
        if len(root + ending) >= 4:
            out.append(root + ending)
        if len(root) >= 4 and root[-1] in _CONSONANT_ENDS and suffix.startswith("it"):
            # "arbolitos" -> "árboles", "papelito" -> "papel"
            out.append(root + "es" if suffix.endswith("s") else root)
    return out


_CONSONANT_ENDS = frozenset("lnrsdz")
#: Keys of nouns that look like a stem-changed present form of another verb: "tienda" (a
#: shop) is no "tiendo" of "tender ropa" ("tienda de ropa"), "cuenta" no "contar", "suelo" no
#: "soldar"/"solar", "fuerza" no "forzar": :func:`present_stems` forms with these keys are
#: not indexed.
_HOMOGRAPH_KEYS = frozenset(key(w) for w in "tienda cuenta suelo fuerza".split())


_RESOLVED_MAX = 50_000
_UNSEEN = "\0"  # not a key: marks a word not resolved yet


def _slip(typed: str, meant: str) -> bool:
    """``typed`` is ``meant`` with two neighbours swapped or one inner letter left out (the
    caller checked the edit distance is 1). A changed or added letter, or a missing last one,
    makes another word too often: ``terminar``/``terminal``, ``postgres``/``postres``,
    ``industria``/``industrial``."""
    if len(typed) == len(meant):
        return sorted(typed) == sorted(meant)
    return len(typed) + 1 == len(meant) and meant[:-1] != typed


#: Common words that look like a form of a pattern word but are not: forms of ``tener``,
#: ``poder``, ``querer``... (``tengo`` is not ``teñir``, ``puedo`` is not ``podar``) and nouns with
#: a stem-changed look (``sueldo`` is not ``soldar``, ``esquina`` is not ``esquila``). Found by
#: resolving every unknown word of the dev texts and of ~2,500 real job ads.
NEVER_RESOLVED: frozenset[str] = frozenset(
    """
    tengo tienes tiene tienen tenia tenias tenian tuve tuvo tuvieron tendre
    puedo puedes puede pueden podia podian pude pudo quiero quieres quiere quieren quise quiso
    vengo viene vienen vino digo dice dicen dijo
    tenemos tenes tenga tengas tengan teniendo tenido tendria pueda puedas puedan podemos podes
    podria podrian haya hayan vista vistas cosa cosas
    solo sola solos solas sueldo sueldos cuenta cuentas cuento cuentos esquina esquinas very
    """.split()
)
#: Forms of irregular verbs that name skills with their infinitive ("dar vuelto", "dar sus
#: pastillas": "doy el vuelto", "le doy sus pastillas").
IRREGULAR_FORMS: dict[str, str] = dict.fromkeys(
    "doy das da damos dan daba dabas dabamos daban di dio dimos dieron dando".split(), "dar"
)
_VERB_ENDINGS: tuple[str, ...] = tuple(
    sorted(
        """
        o as a amos an e es en emos imos i aba abas abamos aban ia ias iamos ian aste iste io
        aron ieron ando iendo yendo
        """.split(),
        key=len,
        reverse=True,
    )
)


def _roots(root: str) -> set[str]:
    """A present or preterite root and its root with the stem change or spelling undone."""
    out = {root}
    for changed, plain in (("ie", "e"), ("ue", "o"), ("i", "e")):
        at = root.rfind(changed)
        if at > 0:
            out.add(root[:at] + plain + root[at + len(changed) :])
    for end, plain in (
        ("zc", "c"),
        ("ig", ""),
        ("g", ""),
        ("qu", "c"),
        ("gu", "g"),
        ("j", "g"),
        ("y", ""),
        ("c", "z"),
    ):
        if root.endswith(end):
            out.add(root[: len(root) - len(end)] + plain)
    return out


@functools.lru_cache(maxsize=65536)
def present_stems(infinitive: str) -> frozenset[str]:
    """Keys of present-tense forms of a folded Spanish infinitive that its own key misses:
    stem-changing (``sembrar`` -> ``siembro``, ``mover`` -> ``muevo``, ``servir`` -> ``sirvo``),
    ``-zco`` (``conducir`` -> ``conduzco``) and ``-go`` verbs (``poner`` -> ``pongo``).

    Example:
        >>> sorted(present_stems("sembrar")), sorted(present_stems("conducir"))
        (['siembr'], ['conduzc'])
        >>> present_stems("papa"), present_stems("limpiar")
        (frozenset(), frozenset())
    """
    if len(infinitive) < 5 or infinitive[-2:] not in ("ar", "er", "ir"):
        return frozenset()
    root, kind = infinitive[:-2], infinitive[-2:]
    roots: set[str] = set()
    vowel = max(root.rfind("e"), root.rfind("o"))
    if vowel > 0 and vowel >= len(root) - 4 and not set(root[vowel + 1 :]) & set("aeiou"):
        change = {"e": "ie", "o": "ue"}[root[vowel]]
        roots.add(root[:vowel] + change + root[vowel + 1 :])
        if kind == "ir" and root[vowel] == "e":
            roots.add(root[:vowel] + "i" + root[vowel + 1 :])
    if kind != "ar" and root.endswith("c"):
        roots.add(root[:-1] + "zc")
    if kind != "ar" and root.endswith(("n", "l")):
        roots.add(root + "g")
    own = key(infinitive)
    return frozenset({key(r + "o") for r in roots} - {own})


def verb_lemmas(word: str) -> list[str]:
    """Infinitives a folded Spanish verb form may come from (first person and other persons,
    present, preterite and imperfect; stem-changing and ``-go``/``-zco`` verbs included).

    Example:
        >>> [w for w in verb_lemmas("siembro") if w == "sembrar"]
        ['sembrar']
        >>> {"conducir", "tenir", "poner"} <= {
        ...     *verb_lemmas("conduzco"), *verb_lemmas("tino"), *verb_lemmas("pongo")}
        True
    """
    out: list[str] = []
    for ending in _VERB_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            for root in _roots(word[: len(word) - len(ending)]):
                out.extend(root + infinitive for infinitive in ("ar", "er", "ir"))
    return out


_SOUNDS = (
    (re.compile(r"ch"), "C"),
    (re.compile(r"h"), ""),
    (re.compile(r"ll"), "y"),
    (re.compile(r"qu"), "k"),
    (re.compile(r"c(?=[ei])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"z"), "s"),
    (re.compile(r"v"), "b"),
    (re.compile(r"y$"), "i"),
    (re.compile(r"rr"), "r"),
)


@functools.lru_cache(maxsize=65536)
def sound(word: str) -> str:
    """How a folded Spanish word sounds, spelled one way: ``c``/``s``/``z``, ``b``/``v``,
    ``ll``/``y``, ``qu``/``k``, ``rr``/``r`` and silent ``h`` merged.

    Example:
        >>> sound("cosina") == sound("cocina"), sound("bisicleta") == sound("bicicleta")
        (True, True)
        >>> sound("electrisista") == sound("electricista"), sound("cosina") == sound("cosecha")
        (True, False)
    """
    for pattern, replacement in _SOUNDS:
        word = pattern.sub(replacement, word)
    return word


def _place_between(tokens: Sequence[Token], left: int, right: int) -> bool:
    """Stop words between tokens ``left`` and ``right`` hold "en un", "at a"... and ``right``
    names a workplace ("cocina en un chifa"; not "ayudante en una cocina")."""
    if tokens[right].norm not in WORKPLACE_NOUNS:
        return False
    norms = [tokens[i].norm for i in range(left + 1, right)]
    return any(
        norms[i] in ("en", "in", "at") and norms[i + 1] in INDEFINITE for i in range(len(norms) - 1)
    )


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
