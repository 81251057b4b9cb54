"""Job-ad mode of skill extraction: the formal register of postings.

Job ads are not self-descriptions. They come as requirement sections and bullet lists
("• Conocimiento de ofimática nivel intermedio", "Manejo del SIAF", "Deseable: inglés"), they
name degrees, courses and hours of training that are not skills ("Maestría en Gestión Pública",
"40 horas de capacitación"), ask for documents ("acreditar con boletas de pago") and their
titles name an occupation ("Secretario Judicial") rather than a skill. This module reads them:

1. :func:`requirement_items` cuts a text into items: lines, bullets (``•``, ``-``, ``*``, the
   ``¿`` that replaces a lost bullet in scraped text, ``01)``, ``a)``), ``;`` and sentences.
2. :func:`mask_item` blanks out (with spaces, so offsets stay those of the input) what is no
   skill: lead-ins ("conocimiento de", "experiencia en"), degrees and studies ("Maestría",
   "Bachiller", "título profesional"), courses and hours of training ("30 horas de
   capacitación", "curso de"), levels ("nivel intermedio", read separately), "no aplica";
   an item that asks for documents ("acreditado con constancias, boletas de pago") is blanked
   whole.
3. :func:`extract_job_ads` runs the shared :class:`~chamba.nlp.extraction.SkillExtractor` over
   the masked items of many texts in one batch (one encoder call), moves evidence back to the
   input's offsets, adds whole-item aliases (a bullet that is just "Análisis" or "Limpieza") and
   reads each item's level ("Word, Excel y PowerPoint a nivel intermedio": all three).
4. :class:`OccupationIndex` finds the occupation a title names (catalogue and ESCO labels and
   synonyms, longest leading match: "Secretario Judicial de la Corte..." -> secretario judicial)
   and gives the skills it implies through the occupation–skill relations ("mozo" -> atención
   de mesas).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from chamba.nlp.extraction import SkillExtractor
from chamba.nlp.schemas import ExtractedSkill, Level, SkillRecord
from chamba.nlp.words import stem

#: Similarity a weak lexicon hit of a job ad needs to its unit (at most; an extractor built with
#: a lower one keeps its own): the 0.30 calibrated on the first dev split. Free text asks for
#: more (:data:`chamba.nlp.extraction.DEFAULT_VERIFY_THRESHOLD`); on the job-ad dev split 0.35
#: would lose a requirement.
JOB_AD_VERIFY_THRESHOLD = 0.30
#: Section headings of a posting ("Requisitos", "Responsabilidades", "Perfil buscado"...): they
#: start a new item and are no skill ("Responsabilidades" is not the skill "Responsabilidad").
#: A heading counts at the start of a line, after the end of a sentence or a symbol, also when
#: the scrape glued it to the sentence before ("...del sector.Requisitos Ingeniero..."); "tareas"
#: and "funciones", common nouns too, only before a colon.
_HEADING = (
    r"(?:^|(?<=\n)|(?<=[.!?:]\s)|(?<=[^\w\s,;(/-]))\s*(?:"
    r"requisitos(?:\s+(?:excluyentes|deseables|del\s+puesto|minimos))?"
    r"|responsabilidades|perfil\s+(?:buscado|del\s+puesto|requerido)|condiciones\s+del\s+puesto"
    r"|lugar\s+de\s+trabajo|beneficios|ofrecemos|(?:funciones|tareas)(?=\s*:)"
    r")\b\s*:?"
)
#: Item separators: line breaks, bullets, ``;``, `` - ``, the end of a sentence and headings.
_ITEM_BREAK = re.compile(
    _HEADING + r"|\n|[•●▪►✓¿]|;|(?<=\s)[-–—*]\s|^[-–—*]\s|(?<=[a-záéíóúñ)\]\d])\.\s+(?=\S)"
    r"|(?<=\s)\(?\d{1,2}[).]\s|(?<=\s)[a-h]\)\s",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Lower case without accents, one character for one (offsets are kept).

    Example:
        >>> fold("Maestría EN Gestión")
        'maestria en gestion'
    """
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[:1] or ch
        low = base.lower()
        out.append(low if len(low) == 1 else base)
    return "".join(out)


def _words(*alternatives: str) -> str:
    return "|".join(alternatives)


#: Lead-ins of a requirement, blanked at the start of an item.
_LEAD_IN = re.compile(
    r"^[\s:*.\-–)(\d]*(?:(?:amplios?|solidos?|buenos?|adecuados?)\s+)?"
    r"(?:conocimientos?|nociones|experiencia|dominio|uso|formacion|capacitacion"
    r"|especializad[oa]s?)"
    r"(?:\s+(?:tecnicos?|basicos?|intermedios?|avanzados?|comprobad[oa]s?|demostrad[oa]s?|"
    r"general(?:es)?|especific[oa]s?|laboral(?:es)?|acreditad[oa]s?|minim[oa]s?))*"
    r"\s*(?:de|en|del|sobre|con|:)\s+(?:(?:la|las|los|el|un|una)\s+)?"
)
#: A preposition left at the start of an item once its lead-in is blanked ("Curso en ...").
_LEAD_PREPOSITION = re.compile(r"^\s*(?:en|de|del|sobre)\s+(?:(?:la|las|los|el)\s+)?")
#: Degrees, studies and their wording: not skills ("Maestría" is not primary teaching).
_DEGREES = re.compile(
    r"\b(?:"
    + _words(
        r"maestri(?:a|as)",
        r"magister",
        r"doctorado",
        r"bachiller(?:ato)?",
        r"titulo(?:s)?(?:\s+(?:profesional|tecnico|universitario))?",
        r"titulad[oa]s?",
        r"ingenier[oa]s?\s+(?!de\b|en\b)\w+",  # a profession's degree ("Ingeniero Mecánico")
        r"licenciad[oa]s?",
        r"licenciatura",
        r"egresad[oa]s?",
        r"diplomados?",
        r"post\s?grados?",
        r"segunda\s+especialidad",
        r"especializaci(?:on|ones)",
        r"estudios(?:\s+(?:universitarios|tecnicos|superiores|concluidos|completos))?",
        r"(?:educacion\s+)?(?:basica\s+)?secundaria(?:\s+completa)?",
        r"colegiad[oa]s?",
        r"colegiatura",
        r"habilitad[oa]s?",
        r"carrera(?:\s+(?:tecnica|profesional|universitaria))?",
        r"grado\s+academico",
        r"certificad[oa]s?",
        r"certificacion(?:es)?",
        r"constancias?",
        r"cursos?",
        r"programas?\s+de\s+especializacion",
        r"(?:horas|eventos?|cursos?|programas?)\s+(?:de\s+)?capacitacion(?:es)?",
        r"(?<!brindar\s)(?<!dictar\s)(?<!impartir\s)(?<!realizar\s)capacitacion(?:es)?",
        r"seminarios?",
        r"universitari[oa]s?",
        r"tecnic[oa]\s+(?:superior|basic[oa])",
        r"profesional(?:es)?\s+(?:en|de)",
        r"y\s*/\s*o",
        r"o\s+afines",
        r"afines",
        r"a\s+fines",
        r"(?:similares|relacionad[oa]s)(?:\s+al?\s+(?:puesto|cargo))?",
        r"no\s+aplica",
        r"no\s+requiere",
        r"ningun[oa]?",
        r"indispensable",
        r"deseable",
        r"de\s+preferencia",
        r"valorable",
    )
    + r")\b"
)
#: Conditions of the job, not skills of the person: hours and availability ("flexibilidad
#: horaria" is no adaptability), where to live, the kind of contract.
_CONDITIONS = re.compile(
    r"\b(?:flexibilidad|disponibilidad)\s+(?:horaria|de\s+horarios?|inmediata|para\s+\w+"
    r"|full\s*time|part\s*time)\b"
    r"|\b(?:residencia|residir|resida|domicilio)\s+(?:en|cerca)\b"
    r"|\btipo\s+de\s+contratacion\b|\blicencia\s+por\s+(?:maternidad|paternidad)\b"
)
#: Quantities: "30 horas", "un (01) año", "6 meses", "500 horas o 30 créditos".
_QUANTITY = re.compile(
    r"(?:\b(?:minimo|como\s+minimo|no\s+menor\s+(?:de|a)|mas\s+de|al\s+menos)\s+)?"
    r"\b(?:\d+|un|una|uno|dos|tres|cuatro|cinco|seis|doce)\s*(?:\(\s*\d+\s*\)\s*)?"
    r"(?:horas?|hrs?|creditos?|meses|mes|anos?|años?)"
    r"(?:\s+(?:lectivas|academicas|cronologicas|acumuladas))?\b"
)
#: Level mentions, read separately (then blanked).
_LEVEL = re.compile(
    r"(?:\b(?:a\s+)?nivel(?:\s+de\s+(?:dominio|usuario))?\s*:?\s*|\b(?:de\s+)?)"
    r"(basic[oa]s?|intermedi[oa]s?|avanzad[oa]s?|elemental|usuario)\b"
)
_LEVELS: dict[str, Level] = {
    "basic": "basic",
    "eleme": "basic",
    "usuar": "basic",
    "inter": "intermediate",
    "avanz": "advanced",
}
#: An item that asks for documents as proof ("acreditado con constancias o boletas de pago").
_PROOF = re.compile(
    r"\b(?:acredit|sustent|adjunt|present)\w*\b.{0,80}\b(?:constancias?|certificados?|boletas?"
    r"|contratos?|resoluciones?|ordenes\s+de\s+servicio|declaracion\s+jurada|recibos?)\b"
    r"|\b(?:constancias?|certificados?)\s+(?:y|o|,)\s+.{0,40}\bboletas?\b"
)
#: A whole item (after masking) that is only this word names this catalogue skill: the terse
#: bullets of competency lists ("• Análisis", "• Síntesis") and chore lists ("limpieza").
ITEM_ALIASES: dict[str, str] = {
    "analisis": "analytical_thinking",
    "analitico": "analytical_thinking",
    "sintesis": "analytical_thinking",
    "limpieza": "commercial_cleaning",
    "redaccion": "document_writing",
    "organizacion": "organisation_skills",
    "orden": "organisation_skills",
    "computacion": "office_suite",
    "informatica": "office_suite",
    "office": "office_suite",
    "innovacion": "creativity",
    "integridad": "ethics_integrity",
    "planificacion": "planning",
    "multitarea": "adaptability",
    "flexibilidad": "adaptability",
}
#: What separates the pieces of a list item: punctuation and the words "y", "e", "o", "u".
_PIECE_BREAK = re.compile(r"[,;:/()\n]|\s(?:y|e|o|u|and|or)\s", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
#: Spaces and a preposition before the word of a piece ("en Redacción").
_PIECE_LEAD = re.compile(r"^\s*(?:(?:en|de|del|sobre)\s+)?")


@dataclass(frozen=True, slots=True)
class AdItem:
    """One requirement item of a job ad: ``text[start:end]`` of the input."""

    start: int
    end: int


def requirement_items(text: str) -> list[AdItem]:
    """Cut a job ad into items (lines, bullets, ``;``-parts, sentences), empty ones and
    section headings dropped.

    Example:
        >>> t = "Requisitos:\\n• Manejo del SIAF\\n• Excel intermedio; inglés deseable"
        >>> [t[i.start:i.end] for i in requirement_items(t)]
        ['Manejo del SIAF', 'Excel intermedio', 'inglés deseable']
    """
    items: list[AdItem] = []
    last = 0
    for match in _ITEM_BREAK.finditer(text):
        items.append(AdItem(last, match.start()))
        last = match.end()
    items.append(AdItem(last, len(text)))
    out = []
    for item in items:
        start, end = item.start, item.end
        while start < end and text[start] in " \t\r:.,-*–":
            start += 1
        while end > start and not (text[end - 1].isalnum() or text[end - 1] in ")]\"'%+#"):
            end -= 1  # spaces, full stops, emoji
        if end > start:
            out.append(AdItem(start, end))
    return out


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def mask_item(item: str) -> tuple[str, list[tuple[int, Level]]]:
    """The item with what is no skill blanked out, and its level mentions ``(offset, level)``.

    Example:
        >>> masked, levels = mask_item("Conocimiento de ofimática nivel intermedio")
        >>> masked.strip(), levels
        ('ofimática', [(26, 'intermediate')])
        >>> mask_item("Maestría en Gestión Pública")[0].strip()
        'en Gestión Pública'
    """
    folded = fold(item)
    if _PROOF.search(folded):
        return " " * len(item), []
    chars = list(item)
    levels: list[tuple[int, Level]] = []
    for match in _LEVEL.finditer(folded):
        levels.append((match.start(), _LEVELS[match.group(1)[:5]]))
        _blank(chars, match.start(), match.end())
    lead = _LEAD_IN.match(folded)
    if lead:
        _blank(chars, lead.start(), lead.end())
    for pattern in (_DEGREES, _QUANTITY, _CONDITIONS):
        for match in pattern.finditer(folded):
            _blank(chars, match.start(), match.end())
    # again once degrees and the like are gone ("Deseable experiencia en ...", "Curso en ...")
    for pattern in (_LEAD_IN, _LEAD_PREPOSITION):
        lead = pattern.match(fold("".join(chars)))
        if lead:
            _blank(chars, lead.start(), lead.end())
    return "".join(chars), levels


def pieces(masked: str) -> list[tuple[int, str]]:
    """The parts of a list item, cut at punctuation and at "y", "e", "o", "u": ``(offset, text)``.

    Example:
        >>> [p for _, p in pieces("Iniciativa, Análisis y Orden")]
        ['Iniciativa', ' Análisis', 'Orden']
    """
    out = []
    last = 0
    for match in _PIECE_BREAK.finditer(masked):
        out.append((last, masked[last : match.start()]))
        last = match.end()
    out.append((last, masked[last:]))
    return [(start, text) for start, text in out if text.strip()]


def _piece_of(skill: ExtractedSkill, masked: str, offset: int) -> str | None:
    """The text of the list piece(s) of the masked item that ``skill``'s evidence overlaps."""
    spans = [
        (offset + start, offset + start + len(text))
        for start, text in pieces(masked)
        if offset + start < skill.end and skill.start < offset + start + len(text)
    ]
    if not spans:
        return None
    return masked[spans[0][0] - offset : spans[-1][1] - offset]


def _stems(text: str) -> tuple[str, ...]:
    """The light stems of the words of a text (plural and gender endings off)."""
    return tuple(stem(w) for w in re.findall(r"[a-z0-9ñ]+", fold(text)))


def _loose_esco(
    skill: ExtractedSkill,
    masked: str,
    offset: int,
    labels: Mapping[str, frozenset[tuple[str, ...]]],
) -> bool:
    """An ESCO skill found in a job ad by anything but its preferred label (Spanish or English,
    plural and gender aside), or by a one-word label that is only part of a list piece: too
    loose to keep. ESCO's 13k skills carry many alternative labels that are everyday words of
    postings ("sistemas administrativos" -> gestionar sistemas administrativos, "equipamiento
    médico" -> productos sanitarios, "perfil buscado: persona" -> buscar a personas) and
    one-word labels inside longer requirements ("Manejo de herramientas informáticas" ->
    informática); the catalogue, written for this register, keeps its synonyms."""
    if not skill.skill_id.startswith("esco:"):
        return False
    evidence = _stems(skill.evidence)
    if evidence not in labels.get(skill.skill_id, frozenset()):
        return True
    piece = _piece_of(skill, masked, offset)
    return piece is None or _stems(piece) != evidence


def _duty_verb(skill: ExtractedSkill, record: SkillRecord) -> bool:
    """A bare infinitive read as a skill through another form of its word ("Organizar" ->
    "organizado", "Liderar" -> "líder", "Ordenar" -> "ordenado"): in a posting it names a duty
    of the job, not the personal quality the form names. Names that are infinitives themselves
    ("cocinar", "soldar") still count."""
    words = fold(skill.evidence).split()
    if len(words) != 1 or not re.fullmatch(r"[a-zñ]{4,}(?:ar|er|ir)", words[0]):
        return False
    return all(fold(name).strip() != words[0] for name in record.names())


def _alias_hits(
    original: str, masked: str, offset: int, known: Mapping[str, tuple[str, str]]
) -> list[ExtractedSkill]:
    """Pieces of the masked item that are exactly an :data:`ITEM_ALIASES` word (after a
    preposition: "Especialización en Redacción"), each one, even when an earlier piece gave the
    same skill ("Computación e Informática": both pieces mean office software, nothing else)."""
    out = []
    for piece_start, piece in pieces(masked):
        folded = fold(piece)
        lead = len(folded) - len(_PIECE_LEAD.sub("", folded, count=1))
        word = _SPACE.sub(" ", folded[lead:]).strip(" .:*-")
        skill_id = ITEM_ALIASES.get(word)
        if skill_id is None or skill_id not in known:
            continue
        start = offset + piece_start + lead
        end = start + len(piece[lead:].strip())
        label_es, esco_uri = known[skill_id]
        out.append(
            ExtractedSkill(
                skill_id=skill_id,
                label=label_es,
                esco_uri=esco_uri or None,
                confidence=0.85,
                evidence=original[start:end],
                start=start,
                end=end,
                method="lexicon",
            )
        )
    return out


def _with_levels(
    skills: Sequence[ExtractedSkill], levels: Sequence[tuple[int, Level]], offset: int
) -> list[ExtractedSkill]:
    """Each skill without a level takes the first level said after it in the item, else the
    last one said before it."""
    if not levels:
        return list(skills)
    out = []
    for skill in skills:
        if skill.level is not None:
            out.append(skill)
            continue
        after = [lv for pos, lv in levels if offset + pos >= skill.end]
        before = [lv for pos, lv in levels if offset + pos < skill.start]
        level = after[0] if after else (before[-1] if before else None)
        out.append(skill.model_copy(update={"level": level}) if level else skill)
    return out


def extract_job_ads(
    extractor: SkillExtractor, texts: Sequence[str], lang: str | None = None
) -> list[list[ExtractedSkill]]:
    """Skills asked for in job-ad texts (descriptions, requirement columns), in one batch.

    Args:
        extractor: the shared extractor over the skills table.
        texts: the texts; each is cut into items that are masked and tagged separately.
        lang: language of the returned labels; guessed when ``None``.

    Returns:
        Per text, one :class:`ExtractedSkill` per skill (negated ones left out), in order of
        appearance; ``evidence`` is ``text[start:end]`` of the input.

    Raises:
        InvalidInput: a text is not a string or is too long.

    Example:
        >>> extract_job_ads(extractor, ["• Maestría en Gestión Pública\\n• Manejo del SIAF"])
        ... # doctest: +SKIP
        [[ExtractedSkill(skill_id='public_management', ...), ExtractedSkill('siaf_system'...)]]
    """
    from chamba.nlp.extraction import clean_text

    cleaned = [clean_text(t) for t in texts]
    known = {s.id: (s.label_es, s.esco_uri or "") for s in extractor.skills}
    records = {s.id: s for s in extractor.skills}
    esco_labels = {
        s.id: frozenset((_stems(s.label_es), _stems(s.label_en)))
        for s in extractor.skills
        if s.source == "esco"
    }
    owners: list[tuple[int, int, str, list[tuple[int, Level]]]] = []
    batch: list[str] = []
    for t, text in enumerate(cleaned):
        for item in requirement_items(text):
            masked, levels = mask_item(text[item.start : item.end])
            if not masked.strip():
                continue
            owners.append((t, item.start, masked, levels))
            batch.append(masked)
    # formal text: a word's form is no weaker evidence there than the word itself
    verify = min(extractor.verify_threshold, JOB_AD_VERIFY_THRESHOLD)
    found = (
        extractor.extract_many(batch, lang, verify_threshold=verify, inexact_verify_threshold=0.0)
        if batch
        else []
    )
    out: list[dict[str, ExtractedSkill]] = [{} for _ in texts]
    for (t, offset, masked, levels), skills in zip(owners, found, strict=True):
        original = texts[t]
        moved = [
            s.model_copy(
                update={
                    "start": s.start + offset,
                    "end": s.end + offset,
                    "evidence": original[s.start + offset : s.end + offset],
                }
            )
            for s in skills
        ]
        moved = [
            s
            for s in moved
            if not _loose_esco(s, masked, offset, esco_labels)
            and not _duty_verb(s, records[s.skill_id])
        ]
        aliased = _alias_hits(original, masked, offset, known)
        # an aliased piece means its alias ("Redacción" alone: document writing), nothing else
        moved = [
            s for s in moved if not any(a.start <= s.start and s.end <= a.end for a in aliased)
        ]
        moved += [a for a in aliased if a.skill_id not in {s.skill_id for s in moved}]
        for skill in _with_levels(moved, levels, offset):
            old = out[t].get(skill.skill_id)
            if old is None or skill.confidence > old.confidence:
                out[t][skill.skill_id] = skill
    return [sorted(d.values(), key=lambda s: (s.start, s.skill_id)) for d in out]


# ----------------------------------------------------------------------- occupation titles

_TITLE_STOP = frozenset(
    "de del la las los el para en a al y e con i ii iii iv v cas - ( sede oficina area".split()
)
#: Most skills one occupation title implies.
MAX_TITLE_SKILLS = 6


@dataclass(frozen=True, slots=True)
class OccupationEntry:
    """An occupation a title can name: its id and the skills it implies, most useful first."""

    occupation_id: str
    skills: tuple[str, ...]


def _title_words(text: str) -> list[str]:
    return re.findall(r"[a-zñ0-9]+", fold(text))


def name_variants(name: str) -> list[str]:
    """Spellings of an occupation name: ``"camarero/camarera"`` -> both; ``"Mozo/a"`` ->
    ``mozo``, ``moza``.

    Example:
        >>> name_variants("Secretario/a")
        ['secretario', 'secretaria']
    """
    parts = [p.strip() for p in name.split("/") if p.strip()]
    out: list[str] = []
    for i, part in enumerate(parts):
        words = _title_words(part)
        if not words:
            continue
        if len(words) == 1 and len(words[0]) <= 2 and i > 0 and out:
            prev = out[-1]
            if prev[-1:] in "oe" or prev.endswith("or"):
                stem = prev[:-1] if prev[-1:] in "oe" else prev
                out.append(stem + words[0])
            continue
        out.append(" ".join(words))
    return list(dict.fromkeys(out))


class OccupationIndex:
    """Occupation names (labels and synonyms, both languages) -> skills the occupation implies.

    Args:
        occupations: ``(occupation_id, names, [(skill_id, relation, is_catalogue_skill)])``;
            only ``essential`` relations are used, catalogue skills first.

    Example:
        >>> idx = OccupationIndex([("waiter", ["Mozo/a"], [("table_service", "essential", True)])])
        >>> idx.find("Mozo para pollería")
        OccupationEntry(occupation_id='waiter', skills=('table_service',))
    """

    def __init__(
        self, occupations: Iterable[tuple[str, Sequence[str], Sequence[tuple[str, str, bool]]]]
    ) -> None:
        self._names: dict[tuple[str, ...], OccupationEntry] = {}
        self.longest = 1
        for occupation_id, names, relations in occupations:
            essential = [(not cat, sid) for sid, rel, cat in relations if rel == "essential"]
            catalogue = [sid for flag, sid in sorted(essential) if not flag]
            skills = catalogue or [sid for _, sid in sorted(essential)]
            entry = OccupationEntry(occupation_id, tuple(skills[:MAX_TITLE_SKILLS]))
            for name in names:
                for variant in name_variants(name or ""):
                    key = tuple(variant.split())
                    if not key:
                        continue
                    old = self._names.get(key)
                    if old is None or (not old.skills and entry.skills):
                        self._names[key] = entry
                    self.longest = max(self.longest, len(key))

    def find(self, title: str) -> OccupationEntry | None:
        """The occupation named by the longest leading words of ``title`` that end at the
        title's end or before a preposition, a number or a bracket."""
        words = _title_words(title.split("(")[0].split(" - ")[0])
        for n in range(min(len(words), self.longest), 0, -1):
            if n < len(words) and words[n] not in _TITLE_STOP and not words[n].isdigit():
                continue
            entry = self._names.get(tuple(words[:n]))
            if entry is not None:
                return entry
        return None


__all__ = [
    "ITEM_ALIASES",
    "JOB_AD_VERIFY_THRESHOLD",
    "MAX_TITLE_SKILLS",
    "AdItem",
    "OccupationEntry",
    "OccupationIndex",
    "extract_job_ads",
    "fold",
    "mask_item",
    "name_variants",
    "pieces",
    "requirement_items",
]
