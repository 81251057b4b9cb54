"""Skills a text implies through a class of wording (chamba.nlp.implied): bare chores said
together or at home, food sold from a stand, crafts the writer sells, a person bathed in the
writer's care, subjects taught and classes over Zoom. Lexicon-only extraction over the built-in
catalogue; the texts are written for these tests, not taken from a labelled split."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.nlp.test_quality import SKILLS_CSV, _catalogue

from chamba.nlp.extraction import SkillExtractor


@pytest.fixture(scope="module")
def extractor() -> SkillExtractor:
    if not Path(SKILLS_CSV).is_file():
        pytest.skip("the built-in catalogue skills.csv is not present")
    return SkillExtractor(_catalogue(), semantic=False)


def _ids(extractor: SkillExtractor, text: str) -> set[str]:
    return {s.skill_id for s in extractor.extract(text)}


@pytest.mark.parametrize(
    "text",
    [
        "se lavar y cocinar, soy responsable",
        "se cocinar rico y limpiar",
        "en mi casa cocino y ayudo a mi mama",
        "I cook and clean, I am honest",
    ],
)
def test_bare_chores_together_or_at_home_are_household_chores(
    extractor: SkillExtractor, text: str
) -> None:
    found = _ids(extractor, text)
    assert "home_cooking" in found
    assert "peruvian_cuisine" not in found


def test_bare_cleaning_with_bare_cooking_is_house_cleaning(extractor: SkillExtractor) -> None:
    assert {"house_cleaning", "home_cooking"} <= _ids(extractor, "se limpiar y cocinar")


def test_chores_with_an_object_or_a_restaurant_stay_what_they_were(
    extractor: SkillExtractor,
) -> None:
    # one bare verb, no home: still cuisine
    assert "home_cooking" not in _ids(extractor, "cocino para eventos y bautizos")
    # a restaurant is named: kitchen work, not home chores
    assert "home_cooking" not in _ids(extractor, "en el restaurante cocino y limpio")
    # "limpio los salones" takes an object: no house cleaning from it
    assert "house_cleaning" not in _ids(extractor, "limpio los salones y cocino")
    # denied
    assert "home_cooking" not in _ids(extractor, "limpio y lavo, cocinar no se")


@pytest.mark.parametrize(
    "text",
    [
        "vendo anticuchos y choclo en la esquina del paradero",
        "tengo un carrito de hamburguesas en la noche",
        "mi puestito de salchipapas en la feria",
        "I sell juices from a cart near the school",
    ],
)
def test_food_sold_from_a_stand_is_street_food(extractor: SkillExtractor, text: str) -> None:
    assert "street_food" in _ids(extractor, text)


def test_a_food_cart_is_no_mine_wheelbarrow(extractor: SkillExtractor) -> None:
    found = _ids(extractor, "tengo mi carretilla de sanguches en la puerta del estadio")
    assert "street_food" in found
    assert "mine_labour" not in found


def test_food_sold_online_or_produce_at_a_stall_is_no_street_food(
    extractor: SkillExtractor,
) -> None:
    assert "street_food" not in _ids(extractor, "vendo comida por whatsapp a oficinas")
    assert "street_food" not in _ids(extractor, "tengo mi puesto de verduras en el mercado")


def test_crafts_the_writer_sells_are_handicraft_sales(extractor: SkillExtractor) -> None:
    found = _ids(extractor, "hago bisuteria y collares, y los vendo en ferias del parque")
    assert "handicraft_sales" in found
    assert "market_stall_sales" not in found
    # sold online: social selling, not handicraft sales
    online = _ids(extractor, "hago bisuteria y los vendo por instagram")
    assert "handicraft_sales" not in online
    # produce, not crafts: nothing changes
    assert "handicraft_sales" not in _ids(extractor, "crio gallinas y las vendo en la feria")


@pytest.mark.parametrize(
    "text",
    [
        "cuido a mi abuela postrada, la baño y la cambio todos los dias",
        "cuide a un señor mayor con parkinson, lo bañaba y lo volteaba",
        "cuido adultos mayores, tengo que bañarlos y cambiarlos",
    ],
)
def test_bathing_a_person_in_ones_care_is_patient_hygiene(
    extractor: SkillExtractor, text: str
) -> None:
    assert "patient_hygiene_mobility" in _ids(extractor, text)


def test_bathing_without_care_or_a_bathroom_is_no_patient_hygiene(
    extractor: SkillExtractor,
) -> None:
    assert "patient_hygiene_mobility" not in _ids(extractor, "baño a los perros en mi veterinaria")
    assert "patient_hygiene_mobility" not in _ids(
        extractor, "cuido abuelitos y limpio los baños de la casa"
    )


def test_subjects_taught_are_no_skills_of_the_teacher(extractor: SkillExtractor) -> None:
    found = _ids(
        extractor, "doy clases de refuerzo escolar a chicos del barrio, matematica y comunicacion"
    )
    assert "school_tutoring" in found
    assert not found & {"basic_math", "communication"}
    # without teaching, the same words are the writer's skills
    assert "basic_math" in _ids(extractor, "soy buena en matematica y atiendo publico")


def test_classes_over_zoom_are_online_tutoring(extractor: SkillExtractor) -> None:
    found = _ids(extractor, "doy clases de refuerzo escolar en mi casa, y tambien x zoom")
    assert {"school_tutoring", "online_tutoring"} <= found
    # Zoom with no teaching: no tutoring
    assert "online_tutoring" not in _ids(extractor, "atiendo reuniones por zoom y hago actas")


def test_cleaning_at_a_workplace_that_is_no_home_is_commercial_cleaning(
    extractor: SkillExtractor,
) -> None:
    assert "commercial_cleaning" in _ids(extractor, "soy portero en un colegio y limpio el patio")
    assert "commercial_cleaning" in _ids(extractor, "I worked at a bank as a cleaner")
    # a home: house cleaning, no commercial cleaning
    home = _ids(extractor, "limpieza de casas por horas, antes trabaje en una oficina")
    assert "commercial_cleaning" not in home
    # no workplace named
    assert "commercial_cleaning" not in _ids(extractor, "tengo experiencia en limpieza")


@pytest.mark.parametrize(
    ("text", "skill", "not_skill"),
    [
        ("en la recepcion contesto el telefono y saco citas", "telephone_etiquette", None),
        ("receptionist, answering the phone and greeting visitors", "telephone_etiquette", None),
        ("hago tiktoks para una tienda de zapatillas", "content_creation", None),
        ("en el super repongo en las gondolas", "shelf_stocking", None),
        # a diminutive of a word ending in a consonant: "arbolitos" -> "árboles"
        ("se podar los arbolitos de mango", "fruit_tree_pruning", None),
        # "tienda" is a shop, no "tiendo" of "tender ropa"
        ("trabaje en una tienda de ropa vendiendo", "retail_sales", "laundry"),
    ],
)
def test_reviewed_wording_of_the_fourth_blind_set(
    extractor: SkillExtractor, text: str, skill: str, not_skill: str | None
) -> None:
    found = _ids(extractor, text)
    assert skill in found
    if not_skill is not None:
        assert not_skill not in found


def test_working_in_the_fields_is_no_stamina_claim(extractor: SkillExtractor) -> None:
    # "trabajo de campo" matched "trabajé en el campo" (farm work): every such text of the
    # tuning splits was a false stamina claim
    found = _ids(extractor, "trabaje en el campo cosechando uva")
    assert "physical_stamina" not in found
    assert "physical_stamina" in _ids(extractor, "aguanto el sol todo el dia")


def test_selecting_in_a_fruit_packing_house_is_fruit_grading(extractor: SkillExtractor) -> None:
    assert "fruit_grading" in _ids(extractor, "operaria de packing de mango, empaque y seleccion")
    assert "fruit_grading" in _ids(
        extractor, "I pack fruit at a packing house and select the ripe ones"
    )
    # selecting with no fruit packing: nothing
    assert "fruit_grading" not in _ids(extractor, "selecciono personal para una empresa")


@pytest.mark.parametrize(
    "text",
    [
        "trabaje en un chifa pero en la cocina lavando platos",
        "pelo papas y dejo todo listo al cocinero",
        "soy jefe de cocina, tengo 4 cocineros a cargo",
    ],
)
def test_the_kitchen_as_a_place_and_cooks_as_other_people_are_no_cuisine(
    extractor: SkillExtractor, text: str
) -> None:
    assert "peruvian_cuisine" not in _ids(extractor, text)


def test_a_cook_is_still_cuisine(extractor: SkillExtractor) -> None:
    assert "peruvian_cuisine" in _ids(extractor, "soy cocinera en un restaurante de menu")


def test_a_place_named_as_a_skill_gives_way_to_the_trade(extractor: SkillExtractor) -> None:
    found = _ids(extractor, "porteador en el camino inca hace 3 temporadas")
    assert "trekking_porter" in found
    assert "trekking_guiding" not in found
    guide = _ids(extractor, "guia de turismo en machu picchu")
    assert "tour_guiding" in guide
    assert "peruvian_heritage" not in guide
    # without the trade, the place still reads as before
    assert "peruvian_heritage" in _ids(extractor, "se mucho de machu picchu y su historia")


def test_bare_painting_among_building_trades_is_building_painting(
    extractor: SkillExtractor,
) -> None:
    assert "building_painting" in _ids(extractor, "soy gasfitero y electricista, tb pinto")
    assert "building_painting" in _ids(extractor, "albañil, hago tarrajeo y pinto paredes")
    # a painting with an object of its own, or no building trade: no building painting
    assert "building_painting" not in _ids(extractor, "soy gasfitero y pinto cuadros al oleo")
    assert "building_painting" not in _ids(extractor, "me gusta la pintura y el dibujo")
