"""Field parsers for Peruvian identifiers, phones and e-mail (python-stdnum, phonenumbers,
email-validator), with property tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.pe import cui, ruc

from chamba.fields import parse_email, parse_national_id, parse_phone, parse_ruc

EIGHT_DIGITS = st.text(alphabet="0123456789", min_size=8, max_size=8)


def test_dni_written_with_its_check_character_is_the_dni_not_a_foreign_card() -> None:
    # GIVEN a DNI as printed on the card, with its check character
    check = cui.calc_check_digits("12345678")  # '1E': a digit or a letter, either is fine
    # THEN it is the 8-digit DNI, whichever form of the check is written
    assert parse_national_id(f"12345678-{check[0]}") == "12345678"
    assert parse_national_id(f"12345678 {check[1]}") == "12345678"
    # AND a wrong check character is refused instead of becoming a carné "CE123456789"
    with pytest.raises(ValueError, match="check character"):
        parse_national_id("12345678-9")
    # AND plain DNIs and explicit carnés work as before
    assert parse_national_id("DNI 45678912") == "45678912"
    assert parse_national_id("CE 001234567") == "CE001234567"


def test_ruc_check_digit_is_verified() -> None:
    assert parse_ruc("20100070970") == "20100070970"
    assert parse_ruc("20-10007097-0") == "20100070970"
    with pytest.raises(ValueError, match="check digit"):
        parse_ruc("20100070971")
    with pytest.raises(ValueError, match="11 digits"):
        parse_ruc("30100070970")


def test_phone_numbers_follow_perus_numbering_plan() -> None:
    assert parse_phone("987654321") == "+51 987 654 321"
    assert parse_phone("(01) 234 5678") == "+51 1 234 5678"
    assert parse_phone("054 123456") == "+51 54 123456"
    for bad in ("(01) 000 0000", "(01) 123 4567", "087 654 321", "+1 415 555 0100", "12345"):
        with pytest.raises(ValueError, match="not a (Peruvian )?(phone )?number"):
            parse_phone(bad)


def test_email_is_checked_by_email_validator() -> None:
    assert parse_email("Rosa.Quispe@Example.PE") == "Rosa.Quispe@example.pe"
    for bad in ("rosa@", "rosa@@example.pe", "rosa@example..pe", "rosa quispe@example.pe"):
        with pytest.raises(ValueError, match="not a valid e-mail"):
            parse_email(bad)


@given(EIGHT_DIGITS)
def test_any_dni_with_its_check_parses_to_itself(dni: str) -> None:
    assert parse_national_id(dni) == dni
    for check in cui.calc_check_digits(dni):
        assert parse_national_id(f"{dni}-{check}") == dni


@given(st.sampled_from(["10", "15", "17", "20"]), st.text("0123456789", min_size=8, max_size=8),
       st.integers(1, 9))  # fmt: skip
def test_a_valid_ruc_parses_and_any_other_last_digit_is_refused(
    prefix: str, body: str, shift: int
) -> None:
    number = prefix + body
    valid = number + ruc.calc_check_digit(number)
    assert parse_ruc(valid) == valid
    wrong = number + str((int(valid[-1]) + shift) % 10)
    with pytest.raises(ValueError, match="check digit"):
        parse_ruc(wrong)


@given(st.text("0123456789", min_size=8, max_size=8))
def test_mobile_numbers_round_trip(rest: str) -> None:
    formatted = parse_phone("9" + rest)
    assert formatted is not None
    assert parse_phone(formatted) == formatted
    assert parse_phone(formatted.replace(" ", "")) == formatted


@given(st.emails())
def test_accepted_emails_are_stable(address: str) -> None:
    try:
        first = parse_email(address)
    except ValueError:
        return
    assert first is not None
    assert parse_email(first) == first


def test_an_internationalised_domain_parses_again_in_its_unicode_form() -> None:
    # GIVEN an address whose domain is written in punycode
    stored = parse_email("0@a.xn--3e0b707e")
    # WHEN the stored (Unicode) form is parsed again, THEN it is accepted unchanged
    assert stored == "0@a.한국"
    assert parse_email(stored) == stored
