"""Text that UTF-8 cannot hold (a lone surrogate) is refused with 422 wherever it enters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.support.api_fixtures import MakeUser
from tests.support.factories import job_body

from chamba.auth.models import Role
from chamba.fields import clean_text
from chamba.ingest.service import import_file

pytestmark = pytest.mark.usefixtures("hashed_matching")

# JSON escapes as a hostile client writes them: a lone high and a lone low half.
HIGH, LOW = "\\ud800", "\\udfff"


def _post_raw(client: Any, path: str, raw: str, headers: dict[str, str]) -> Any:
    return client.post(
        path, content=raw.encode(), headers={**headers, "Content-Type": "application/json"}
    )


def _assert_422(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "surrogate" in response.json()["detail"]


def test_a_lone_surrogate_in_a_job_title_is_422(client: Any, make_user: MakeUser) -> None:
    boss = make_user(Role.EMPLOYER)
    raw = json.dumps(job_body()).replace("Soldador de", f"Soldador {HIGH} de")
    _assert_422(_post_raw(client, "/api/v1/jobs", raw, boss.headers))


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/api/v1/feedback", '{"subject_type": "job", "subject_id": 1, "kind": "dismissed", '
         f'"reason": "no {LOW}"}}'),
        ("/api/v1/auth/login", f'{{"email": "a@example.pe", "password": "clave {HIGH} larga"}}'),
        ("/api/v1/auth/register",
         f'{{"email": "a@example.pe", "password": "clave {LOW} larga", "name": "Ana"}}'),
    ],
)  # fmt: skip
def test_a_lone_surrogate_anywhere_in_a_body_is_422(
    client: Any, make_user: MakeUser, path: str, raw: str
) -> None:
    seeker = make_user(Role.SEEKER)
    _assert_422(_post_raw(client, path, raw, seeker.headers))


def test_an_emoji_written_as_an_escape_pair_is_fine(client: Any, make_user: MakeUser) -> None:
    # GIVEN a title with an emoji as JSON writes it in ASCII (a high and a low half together)
    boss = make_user(Role.EMPLOYER)
    raw = json.dumps(job_body(title="Ayudante de cocina \U0001f600"))
    assert "\\ud83d\\ude00" in raw
    response = _post_raw(client, "/api/v1/jobs", raw, boss.headers)
    # THEN it is one ordinary character
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Ayudante de cocina \U0001f600"


def test_the_shared_text_validator_refuses_lone_surrogates() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        clean_text("Ayudante " + chr(0xD800))
    assert clean_text("Ayudante \U0001f600") == "Ayudante \U0001f600"


def test_an_import_reports_a_lone_surrogate_as_a_row_error(
    seeded_session: Session, tmp_path: Path
) -> None:
    # GIVEN a JSON-LD file whose second posting's title holds a lone surrogate
    path = tmp_path / "empleos.json"
    path.write_text(
        '[{"@type": "JobPosting", "identifier": "a1", "title": "Vendedor", '
        '"jobLocationType": "TELECOMMUTE", "description": "Ventas por teléfono"},'
        f' {{"@type": "JobPosting", "identifier": "a2", "title": "Ayudante {HIGH}", '
        '"jobLocationType": "TELECOMMUTE", "description": "Ayudante"}]',
        encoding="utf-8",
    )
    # WHEN imported THEN the row is reported (nothing crashes) and the good one is written
    report = import_file(seeded_session, "jobs", path, skip_invalid=True)
    assert [e.line for e in report.errors] == [2]
    assert "surrogate" in report.errors[0].reason
    assert report.created == 1
