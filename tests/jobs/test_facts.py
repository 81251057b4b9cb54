"""Hours, pay and district read from an employer's free text (chamba.jobs.facts)."""

from __future__ import annotations

from decimal import Decimal

from chamba.jobs.facts import read_posting_facts


def test_reads_hours_pay_and_district() -> None:
    facts = read_posting_facts(
        "Cajero, 48 horas semanales, S/ 1,200 al mes, en San Juan de Lurigancho."
    )
    assert facts.hours_per_week == 48
    assert facts.wage_min == Decimal("1200")
    assert facts.wage_max is None
    assert facts.ubigeo == "150132"


def test_a_range_of_pay_in_soles() -> None:
    facts = read_posting_facts("Pagamos entre 1200 soles y S/. 1 500 según experiencia.")
    assert (facts.wage_min, facts.wage_max) == (Decimal("1200"), Decimal("1500"))


def test_nothing_is_guessed() -> None:
    facts = read_posting_facts("Trabajo en la tienda, 8 horas diarias, en Miraflores, 200 horas")
    # daily hours are not weekly; Miraflores is several districts; 200 h a week is impossible
    assert facts.hours_per_week is None
    assert facts.ubigeo is None
    assert facts.wage_min is None
