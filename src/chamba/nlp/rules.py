"""Rules read over what the lexicon found: a verb and a channel in one clause ("vendo ropa x
Facebook"), a chore said by a bare verb next to its partner ("lavo y plancho") or in a family's
home ("cama adentro, limpio y cocino"), broad skills that give way to narrower ones, senses the
text's other skills rule out ("tomo pedidos" in field sales) and bare cooking among domestic
work (:mod:`chamba.nlp.extraction` calls them for each text)."""

from __future__ import annotations

from collections.abc import Sequence

from chamba.nlp.cues import (
    Found,
    Unit,
    carried_wishes,
    is_negated,
    mentioned_level,
    not_claimed,
    unit_position,
)
from chamba.nlp.schemas import ExtractedSkill, SkillRecord
from chamba.nlp.words import Token, tokenize

#: "<verb> ... por/en <channel>" constructions: (verb keys, channel words, skill id). Selling
#: through a social network is social selling, over the phone telemarketing, at a market or fair
#: a market stall, in the street or at traffic lights street vending; attending by WhatsApp or
#: chat is chat support; classes by Zoom are online tutoring. Skill ids absent from the
#: extractor's table are ignored.
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
        frozenset({"vend", "sell"}),
        frozenset("calle calles semaforo semaforos street streets".split()),
        "street_vending",
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
CONSTRUCTION_SPAN = 6  # tokens from the verb to the channel word
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
    # the vehicle a mechanic repairs is no driving ("mantenimiento de scoops y volquetes")
    "truck_driving": frozenset(
        {"haul_truck_operation", "heavy_equipment_maintenance", "auto_mechanics"}
    ),
    "fare_collection": frozenset({"debt_collection"}),
    "arc_welding": frozenset({"mig_tig_welding"}),
    "camelid_raising": frozenset({"alpaca_knitwear"}),
    "social_media_management": frozenset({"social_selling", "chat_whatsapp_support"}),
    "content_creation": frozenset({"video_editing", "social_selling"}),
    "packing_house_operations": frozenset({"fruit_packing", "fruit_grading"}),
    "office_reception": frozenset({"hotel_reception"}),
    "motorcycle_delivery": frozenset({"bicycle_delivery"}),
    "bread_baking": frozenset({"pizza_making", "pastry"}),  # "amaso la masa" for pizza
    "corner_shop_management": frozenset({"field_sales"}),  # "recorro las bodegas" selling
    # the vehicle a mechanic repairs is no driving ("mecánico de motos y mototaxis")
    "mototaxi_driving": frozenset({"motorcycle_mechanics"}),
    "auto_mechanics": frozenset({"motorcycle_mechanics", "heavy_equipment_maintenance"}),
    # "planchador y pintor de autos" is body work, not ironing, house painting or cutting
    "building_painting": frozenset({"auto_body_painting"}),
    "garment_pressing": frozenset({"auto_body_painting"}),
    "ironing": frozenset({"auto_body_painting"}),
    "oxy_fuel_cutting": frozenset({"auto_body_painting"}),
}
#: Skills that give way to a skill of the text however they were read, when their evidence
#: holds one of the words: "tomando pedidos" in field sales ("recorro las bodegas tomando
#: pedidos") or by phone is no table service; a bare "cobro" with a POS or Yape ("cobraba con
#: POS", "cobro x Yape") or giving change at a pump is that, not a till.
#: (words of the evidence, skills of the text, most words from the evidence to that skill's;
#: ``None``: anywhere in the text).
GIVES_WAY: dict[str, tuple[frozenset[str], frozenset[str], int | None]] = {
    "cash_register": (
        frozenset("cobro cobrar cobraba cobrando cobre cobramos cobrabamos cobra".split()),
        frozenset({"pos_terminal", "digital_payments", "money_handling"}),
        3,
    ),
    "table_service": (
        frozenset("pedido pedidos orders".split()),
        frozenset({"field_sales", "telemarketing", "call_center", "chat_whatsapp_support"}),
        None,
    ),
    # a place named as a skill is where the writer's trade is: "porteador en el camino inca"
    # carries loads, "guía en Machu Picchu" guides, neither teaches heritage
    "trekking_guiding": (frozenset("camino inca".split()), frozenset({"trekking_porter"}), None),
    "peruvian_heritage": (
        frozenset("machu picchu".split()),
        frozenset({"tour_guiding", "trekking_porter", "trekking_guiding", "travel_agency_sales"}),
        None,
    ),
}
#: Words that say the writer works in a family's home ("cama adentro", "en casa de familia",
#: "trabajadora del hogar"): there a bare chore verb names the household chore
#: (:data:`HOUSE_CHORES`): "limpio, cocino y lavo" is house cleaning, home cooking, laundry.
DOMESTIC_CONTEXT: tuple[tuple[str, ...], ...] = (
    ("cama", "adentro"),
    ("cama", "afuera"),
    ("casa", "de", "familia"),
    ("casas", "de", "familia"),
    ("trabajadora", "del", "hogar"),
    ("trabajador", "del", "hogar"),
    ("empleada", "del", "hogar"),
    ("empleada", "domestica"),
    ("trabajadora", "domestica"),
    ("live", "in"),
    ("trabajado", "en", "casas"),
    ("trabaje", "en", "casas"),
    ("trabajo", "en", "casas"),
)
HOUSE_CHORES: dict[str, str] = {
    **dict.fromkeys(
        """limpio limpiaba limpiando limpie limpiar limpiabamos limpieza
        clean cleaned cleaning""".split(),
        "house_cleaning",
    ),
    **dict.fromkeys(
        "cocino cocinaba cocinando cocine cocinar cook cooked cooking".split(), "home_cooking"
    ),
    **dict.fromkeys("lavo lavaba lavando lave lavar lavado".split(), "laundry"),
}
#: Chores said as a pair of verbs: a bare "lavo" next to ironing ("lavo y plancho", "planchaba
#: y lavaba", "wash and iron") is washing clothes. (skill found, words next to it, skill added).
PAIRED_CHORES: tuple[tuple[str, frozenset[str], str], ...] = (
    (
        "ironing",
        frozenset(
            """
            lavo lava lavan lavar lavando lavaba lavaban lavamos lavabamos lave lavado
            wash washing washed
            """.split()
        ),
        "laundry",
    ),
)
PAIR_SPAN = 3  # tokens between the found skill and its partner word
#: Words that may follow the partner verb ("lavo y plancho", "lavo ropa"); any other word is
#: its own object ("lavo carros y plancho" is no laundry).
PAIR_FOLLOWERS = frozenset("y e tambien ademas and also ropa clothes".split())
#: Cooking named by a bare word ("cocino", "I cook") among domestic work (children, cleaning,
#: laundry, elders) is cooking at home, unless a restaurant is mentioned.
HOME_COOKING = ("peruvian_cuisine", "home_cooking")
DOMESTIC_SKILLS: frozenset[str] = frozenset(
    """
    childcare house_cleaning laundry ironing elderly_care household_management
    home_elder_companion disability_care newborn_care
    """.split()
)
RESTAURANT_WORDS = frozenset(
    """
    restaurante restaurantes restaurant restaurants menu menus polleria chifa cevicheria pension
    comedor picanteria cafeteria hotel
    """.split()
)


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
    """Broad skills read from a bare word give way to narrower ones (:data:`NARROWER`), a
    sense the text's other skills rule out gives way to them (:data:`GIVES_WAY`); bare cooking
    among domestic work is home cooking (:data:`HOME_COOKING`)."""
    claimed = {sid for sid, f in bucket.items() if not f.result.negated}
    for broad, narrower in NARROWER.items():
        found = bucket.get(broad)
        if found is not None and found.bare and claimed & narrower:
            del bucket[broad]
    for skill, (words, context, distance) in GIVES_WAY.items():
        found = bucket.get(skill)
        if found is None or not any(t.norm in words for t in tokenize(found.result.evidence)):
            continue
        end = found.result.end
        near = [
            bucket[c].result.start
            for c in claimed & context
            if distance is None
            or 0 <= _words_between(tokens, end, bucket[c].result.start) <= distance
        ]
        if near:
            del bucket[skill]
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


def _words_between(tokens: Sequence[Token], end: int, start: int) -> int:
    """Tokens from character offset ``end`` to ``start`` (``-1`` when ``start`` is before)."""
    if start < end:
        return -1
    return sum(1 for t in tokens if end <= t.start < start)


def house_chores(
    skills: Sequence[SkillRecord],
    by_id: dict[str, int],
    text: str,
    tokens: Sequence[Token],
    units: Sequence[Unit],
    lang: str,
    bucket: dict[str, Found],
    covered: set[int],
) -> None:
    """In a family's home (:data:`DOMESTIC_CONTEXT`: "cama adentro", "casa de familia") a bare
    chore verb no pattern took names the household chore (:data:`HOUSE_CHORES`): "limpio,
    cocino y lavo" is house cleaning, home cooking and laundry; cooking read from the same verb
    gives way to home cooking."""
    norms = [t.norm for t in tokens]
    if not any(
        norms[i : i + len(phrase)] == list(phrase)
        for phrase in DOMESTIC_CONTEXT
        for i in range(len(norms))
    ):
        return
    unit_starts = [u.first for u in units]
    for i, tok in enumerate(tokens):
        skill_id = HOUSE_CHORES.get(tok.norm)
        if skill_id is None or skill_id not in by_id or i in covered:
            continue
        old = bucket.get(HOME_COOKING[0])
        if skill_id == HOME_COOKING[1] and old is not None and old.result.start == tok.start:
            del bucket[HOME_COOKING[0]]
        if skill_id in bucket:
            continue
        unit_index = unit_position(units, unit_starts, i)
        unit = units[unit_index] if unit_index is not None else None
        add_found(
            bucket,
            ExtractedSkill.of(
                skills[by_id[skill_id]],
                lang,
                text[tok.start : tok.end],
                tok.start,
                tok.end,
                confidence=0.8,
                level=None,
                method="lexicon",
                negated=is_negated(tokens, unit, i) or not_claimed(tokens, unit, i),
            ),
        )
