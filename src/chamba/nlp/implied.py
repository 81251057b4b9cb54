"""Skills a text implies through a class of wording rather than a name (issue 12 item 8, from
the fourth blind set's tuning half): chores said as bare coordinated verbs ("sé limpiar y
cocinar", "en mi casa cocino y cuido"), food sold from a stand ("vendo jugos en mi carretilla",
"puesto de anticuchos"), crafts the writer makes and sells ("hago jabones y los vendo en
ferias"), a person bathed or changed in someone's care ("la baño y la cambio"), school subjects
taught ("clases de refuerzo, matemática y comunicación" are no skills of the teacher's own),
classes held over Zoom, cleaning at a workplace that is no home, selecting in a fruit packing
house, and the kitchen as a place or cooks as other people ("en la cocina lavando ollas", "al
cocinero"), which are no cuisine, and bare painting among building trades.
:mod:`chamba.nlp.extraction` calls :func:`implied` for each text after the other rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from chamba.nlp.cues import (
    Found,
    Unit,
    denied_after,
    is_negated,
    not_claimed,
    unit_position,
)
from chamba.nlp.rules import HOUSE_CHORES, RESTAURANT_WORDS, add_found
from chamba.nlp.schemas import ExtractedSkill, SkillRecord
from chamba.nlp.words import Token

#: Words that may follow a bare chore verb without being its object ("sé cocinar bien y
#: limpiar", "cocino y lavo", "cook and clean").
_CHORE_FOLLOWERS = frozenset("y e o u tambien bien rico and also well".split())
#: A bare chore verb with one of these in its clause is done in the writer's own home.
_OWN_HOME: tuple[tuple[str, ...], ...] = (("mi", "casa"), ("mi", "hogar"), ("my", "home"))
#: Bare cooking read as cuisine (what the lexicon gives "cocino", "cocinar", "cook").
CUISINE = "peruvian_cuisine"

#: Food sold from a stand or a cart: a sales verb or a stand noun with one of these within
#: :data:`_STAND_SPAN` words of its clause is street food ("vendo comida en la puerta de mi
#: casa", "vendo jugos de fruta en mi carretilla", "puesto de anticuchos", "carretilla de
#: salchipapas y hamburguesas", "I sell tamales").
STREET_FOODS = frozenset(
    """
    comida comidas jugo jugos anticucho anticuchos salchipapa salchipapas hamburguesa
    hamburguesas sanguche sanguches sandwich sandwiches emoliente emolientes picaron picarones
    tamal tamales humita humitas choclo choclos desayuno desayunos chicha refrescos raspadilla
    raspadillas mazamorra rellenas empanada empanadas salteñas butifarras
    chicharron pancitas mollejitas choripan hotdog hotdogs food snacks juices
    """.split()
)
_SALE_STEMS = ("vend", "sell", "sold")
STAND_NOUNS = frozenset(
    "puesto puestito carretilla carretillas carrito quiosco kiosko kiosco stand cart".split()
)
_STAND_SPAN = 4
STREET_FOOD = "street_food"

#: Crafts a writer makes: selling them ("los vendo en ferias", "lo vendo a los turistas") is
#: selling handicrafts, not a market stall.
CRAFTS = frozenset(
    """
    alpaca_knitwear andean_loom_weaving basketry candle_soap_making costume_jewelry crochet
    gourd_carving hand_embroidery hand_knitting hand_spinning kene_art leather_crafts
    natural_dyeing pottery retablo_making silver_jewelry stone_carving tinsmithing wood_carving
    """.split()
)
HANDICRAFT_SALES = "handicraft_sales"
MARKET_STALL = "market_stall_sales"
SOCIAL_SELLING = "social_selling"

#: Someone in the writer's care bathed, changed or turned ("la baño y la cambio", "lo
#: bañaba", "le cambiaba el pañal", "bañarla"): patient hygiene, when the text cares for an
#: elder, a patient or a disabled person.
_HYGIENE_VERB = re.compile(
    r"(?:ban|cambi|volte)(?:o|a|e|amos|aba|abamos|ando|ar|arlo|arla|arle|arlos|arlas)$"
)
_OBJECT_PRONOUNS = frozenset("lo la le los las les".split())
_ENCLITICS = ("rlo", "rla", "rle", "rlos", "rlas", "rles")
CARE_SKILLS = frozenset(
    """
    elderly_care home_elder_companion disability_care nursing_technician
    medication_administration
    """.split()
)
PATIENT_HYGIENE = "patient_hygiene_mobility"

#: Teaching skills: with one of them a bare subject name ("matemática", "comunicación") is the
#: subject taught, not a skill claimed, and "por Zoom" is online tutoring.
TEACHING = frozenset(
    """
    school_tutoring primary_teaching secondary_teaching early_childhood_teaching online_tutoring
    teaching_assistance adult_literacy music_teaching
    """.split()
)
SUBJECT_SKILLS = frozenset({"basic_math", "communication"})
ONLINE_TUTORING = "online_tutoring"

#: Cleaning at a workplace that is no home (a school, an office, a pharmacy, a call center) is
#: commercial cleaning: "trabajo de guardiana en un colegio y limpio los salones", "trabajé en
#: una farmacia pero de limpieza", "at a call center but as a cleaner".
CLEANING_WORDS = frozenset(
    """
    limpieza limpio limpiaba limpiando limpie limpiar limpiabamos cleaner cleaners cleaning
    """.split()
)
NON_HOME_PLACES = frozenset(
    """
    colegio colegios escuela escuelas school schools oficina oficinas office offices hospital
    clinica clinicas clinic inkafarma mifarma farmacia botica pharmacy call empresa empresas
    minera mall banco bank universidad instituto supermercado supermercados company
    """.split()
)
COMMERCIAL_CLEANING = "commercial_cleaning"
_HOME_CLEANING = frozenset({"house_cleaning", "deep_cleaning"})
_ONLINE_CHANNELS = frozenset("zoom meet virtual virtuales online".split())
_CHANNEL_PREPOSITIONS = frozenset("por via en on over".split())


def implied(
    skills: Sequence[SkillRecord],
    by_id: dict[str, int],
    text: str,
    tokens: Sequence[Token],
    units: Sequence[Unit],
    lang: str,
    bucket: dict[str, Found],
    covered: set[int],
) -> None:
    """Apply every rule of this module to one text's ``bucket`` (see the module docstring)."""
    context = _Context(skills, by_id, text, tokens, units, lang, bucket)
    _household_chores(context, covered)
    _street_food(context)
    _crafts_sold(context)
    _patient_hygiene(context)
    _teaching(context)
    _commercial_cleaning(context)
    _fruit_grading(context)
    _kitchen_as_place_or_people(context)
    _building_painting(context)


@dataclass
class _Context:
    skills: Sequence[SkillRecord]
    by_id: dict[str, int]
    text: str
    tokens: Sequence[Token]
    units: Sequence[Unit]
    lang: str
    bucket: dict[str, Found]
    starts: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.starts = [u.first for u in self.units]

    def claimed(self) -> set[str]:
        return {sid for sid, f in self.bucket.items() if not f.result.negated}

    def add(self, skill_id: str, first: int, last: int, *, confidence: float = 0.8) -> None:
        """Add ``skill_id`` with tokens ``[first, last]`` as evidence (negated like a lexicon
        hit there would be)."""
        index = self.by_id.get(skill_id)
        if index is None:
            return
        tokens = self.tokens
        unit_index = unit_position(self.units, self.starts, first)
        unit = self.units[unit_index] if unit_index is not None else None
        start, end = tokens[first].start, tokens[last].end
        add_found(
            self.bucket,
            ExtractedSkill.of(
                self.skills[index],
                self.lang,
                self.text[start:end],
                start,
                end,
                confidence=confidence,
                level=None,
                method="lexicon",
                negated=is_negated(tokens, unit, first)
                or not_claimed(tokens, unit, first)
                or denied_after(tokens, unit, last),
            ),
        )


def _bare(tokens: Sequence[Token], i: int) -> bool:
    nxt = i + 1
    return (
        nxt >= len(tokens)
        or tokens[nxt].clause != tokens[i].clause
        or tokens[nxt].norm in _CHORE_FOLLOWERS
        or tokens[nxt].norm in HOUSE_CHORES
    )


def _household_chores(context: _Context, covered: set[int]) -> None:
    """Bare chore verbs said together in one clause ("sé limpiar y cocinar", "I cook and
    clean"), or a bare one with "mi casa" in its clause ("en mi casa cocino y cuido a mis
    hermanitos"), are household chores: cleaning the house, cooking at home, laundry. Cooking
    read there as cuisine gives way to home cooking. Not where a restaurant is named."""
    tokens, bucket = context.tokens, context.bucket
    if any(t.norm in RESTAURANT_WORDS for t in tokens):
        return
    cuisine = bucket.get(CUISINE)
    cuisine_at = cuisine.result.start if cuisine is not None and cuisine.bare else None
    chores: dict[int, list[int]] = {}
    for i, tok in enumerate(tokens):
        if tok.norm not in HOUSE_CHORES or not _bare(tokens, i):
            continue
        if i in covered and tok.start != cuisine_at:
            continue
        chores.setdefault(tok.clause, []).append(i)
    norms = [t.norm for t in tokens]
    for clause, found in chores.items():
        kinds = {HOUSE_CHORES[tokens[i].norm] for i in found}
        in_clause = [n for n, t in zip(norms, tokens, strict=True) if t.clause == clause]
        at_home = any(
            in_clause[k : k + len(phrase)] == list(phrase)
            for phrase in _OWN_HOME
            for k in range(len(in_clause))
        )
        if len(kinds) < 2 and not at_home:
            continue
        for i in found:
            skill_id = HOUSE_CHORES[tokens[i].norm]
            if cuisine_at == tokens[i].start and skill_id == "home_cooking":
                del bucket[CUISINE]
                cuisine_at = None
            if skill_id not in bucket:
                context.add(skill_id, i, i)


def _street_food(context: _Context) -> None:
    """Food sold from a stand or cart is street food (:data:`STREET_FOODS`); a wheelbarrow
    ("carretilla") read as mine work gives way to it."""
    tokens = context.tokens
    if STREET_FOOD in context.bucket or SOCIAL_SELLING in context.claimed():
        return  # "vendo comida x WhatsApp" sells online
    for i, tok in enumerate(tokens):
        if not (tok.norm.startswith(_SALE_STEMS) or tok.norm in STAND_NOUNS):
            continue
        near = [
            j
            for j in range(i + 1, min(len(tokens), i + _STAND_SPAN + 1))
            if tokens[j].clause == tok.clause and tokens[j].norm in STREET_FOODS
        ]
        if near:
            context.add(STREET_FOOD, i, near[0])
            found = context.bucket.get("mine_labour")
            if found is not None and found.bare:
                del context.bucket["mine_labour"]
            return


def _crafts_sold(context: _Context) -> None:
    """A writer who makes crafts and sells them ("los vendo en ferias", "lo vendo a los
    turistas") sells handicrafts, not at a market stall."""
    bucket = context.bucket
    claimed = context.claimed()
    if not claimed & CRAFTS or SOCIAL_SELLING in claimed:
        return  # "los vendo por Instagram" is social selling
    tokens = context.tokens
    for i, tok in enumerate(tokens):
        if not tok.norm.startswith(_SALE_STEMS):
            continue
        before = tokens[i - 1].norm if i > 0 else ""
        after = tokens[i + 1].norm if i + 1 < len(tokens) else ""
        if before in _OBJECT_PRONOUNS or after in ("them", "it"):
            stall = bucket.get(MARKET_STALL)
            if stall is not None and stall.result.start == tok.start:
                del bucket[MARKET_STALL]
            if HANDICRAFT_SALES not in bucket:
                context.add(HANDICRAFT_SALES, i, i)
            return


def _patient_hygiene(context: _Context) -> None:
    """A person bathed, changed or turned by the writer who cares for an elder or a patient."""
    if PATIENT_HYGIENE in context.bucket or not context.claimed() & CARE_SKILLS:
        return
    tokens = context.tokens
    for i, tok in enumerate(tokens):
        if not _HYGIENE_VERB.match(tok.norm):
            continue
        before = tokens[i - 1].norm if i > 0 else ""
        if before in _OBJECT_PRONOUNS or tok.norm.endswith(_ENCLITICS):
            context.add(PATIENT_HYGIENE, max(0, i - 1) if before else i, i)
            return


def _teaching(context: _Context) -> None:
    """With a teaching skill, a subject named by one bare word is the subject taught, and
    classes over Zoom or Meet are online tutoring."""
    bucket = context.bucket
    if not context.claimed() & TEACHING:
        return
    for skill_id in SUBJECT_SKILLS:
        found = bucket.get(skill_id)
        if found is not None and " " not in found.result.evidence.strip():
            del bucket[skill_id]
    if ONLINE_TUTORING in bucket:
        return
    tokens = context.tokens
    for i, tok in enumerate(tokens):
        if tok.norm in _ONLINE_CHANNELS and i > 0 and tokens[i - 1].norm in _CHANNEL_PREPOSITIONS:
            context.add(ONLINE_TUTORING, i - 1, i)
            return


def _commercial_cleaning(context: _Context) -> None:
    """Cleaning named in a text about a workplace that is no home (:data:`NON_HOME_PLACES`)
    is commercial cleaning, unless home cleaning was read."""
    bucket = context.bucket
    if COMMERCIAL_CLEANING in bucket or bucket.keys() & _HOME_CLEANING:
        return
    tokens = context.tokens
    if not any(t.norm in NON_HOME_PLACES for t in tokens):
        return
    for i, tok in enumerate(tokens):
        if tok.norm in CLEANING_WORDS:
            context.add(COMMERCIAL_CLEANING, i, i)
            return


#: Selecting in a fruit packing house is grading fruit ("packing de uva, selección y
#: empaque", "I pack fruit and select the good ones").
_SELECTING = frozenset(
    """
    seleccion selecciono seleccionaba seleccionando seleccionar seleccionamos select selecting
    selected sort sorting
    """.split()
)
FRUIT_CONTEXT = frozenset(
    """
    fruit_packing packing_house_operations blueberry_harvesting avocado_harvesting
    asparagus_harvesting table_grape_harvesting mango_harvesting citrus_harvesting
    """.split()
)
FRUIT_WORDS = frozenset(
    """
    fruta frutas fruit fruits uva uvas palta paltas mango mangos arandano arandanos esparrago
    esparragos mandarina mandarinas limon limones granada granadas
    """.split()
)
FRUIT_GRADING = "fruit_grading"


def _fruit_grading(context: _Context) -> None:
    """A selecting verb in a text about fruit packing is fruit grading."""
    if FRUIT_GRADING in context.bucket:
        return
    tokens = context.tokens
    if not (context.claimed() & FRUIT_CONTEXT or any(t.norm in FRUIT_WORDS for t in tokens)):
        return
    if not any(t.norm in ("packing", "pack", "empaque", "empacando", "empaco") for t in tokens):
        return
    for i, tok in enumerate(tokens):
        if tok.norm in _SELECTING:
            context.add(FRUIT_GRADING, i, i)
            return


#: "en la cocina" is the kitchen, a place; "al cocinero", "6 cocineros a cargo" are other
#: people: cuisine read from one such word is no skill of the writer's
#: ("trabajé en un hotel pero en la cocina lavando ollas", "dejo todo listo al cocinero").
_PLACE_BEFORE = (("en", "la"), ("in", "the"))
_OTHERS_BEFORE = frozenset("al del los las".split())
_OTHERS = frozenset("cocineros cocineras cooks chefs".split())


def _kitchen_as_place_or_people(context: _Context) -> None:
    found = context.bucket.get(CUISINE)
    if found is None or not found.bare:
        return
    tokens = context.tokens
    at = [i for i, t in enumerate(tokens) if t.start == found.result.start]
    if not at:
        return
    i = at[0]
    before = tuple(t.norm for t in tokens[max(0, i - 2) : i])
    if (
        (tokens[i].norm == "cocina" and before in _PLACE_BEFORE)
        or tokens[i].norm in _OTHERS
        or (before and before[-1] in _OTHERS_BEFORE)
    ):
        del context.bucket[CUISINE]


#: Painting said by a bare word among building trades is painting buildings ("soy gasfitero y
#: electricista, tb pinto", "gasfitería, electricidad, pintura", "cambio enchufes, pinto
#: pasadizos").
_PAINTING = frozenset(
    "pinto pintaba pintando pintar pintura pinte pintamos paint painting painted".split()
)
_SURFACES = frozenset(
    """
    pared paredes pasadizo pasadizos casa casas fachada fachadas interior interiores
    departamento departamentos techo techos cuarto cuartos wall walls house houses rooms
    """.split()
)
BUILDING_TRADES = frozenset(
    """
    bricklaying plastering tiling laminate_flooring plumbing home_electrical_installation
    drywall roofing waterproofing gas_installation building_maintenance
    """.split()
)
BUILDING_PAINTING = "building_painting"


def _building_painting(context: _Context) -> None:
    if BUILDING_PAINTING in context.bucket or not context.claimed() & BUILDING_TRADES:
        return
    tokens = context.tokens
    for i, tok in enumerate(tokens):
        if tok.norm not in _PAINTING:
            continue
        nxt = i + 1
        if (
            nxt >= len(tokens)
            or tokens[nxt].clause != tok.clause
            or tokens[nxt].norm in _CHORE_FOLLOWERS
            or tokens[nxt].norm in _SURFACES
        ):
            context.add(BUILDING_PAINTING, i, i)
            return
