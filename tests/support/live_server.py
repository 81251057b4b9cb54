"""Serve the real app for browser tests: ``python live_server.py PORT DATA_DIR``.

Migrates a fresh SQLite database in DATA_DIR, loads the catalogue, uses a lexicon-only skill
extractor and a hashed text encoder with no vector indexes (no model download or load;
extraction and ranking quality are tested elsewhere), seeds a small world (an employer with open
jobs in Lima, a provider with a course) and serves with uvicorn on 127.0.0.1:PORT. E-mails and
SMS (sign-up codes) are appended to ``DATA_DIR/messages.jsonl`` (:data:`MAILBOX`), where the
browser tests read them as a person reads their inbox.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import uvicorn
from sqlalchemy.orm import Session

from chamba.api.app import create_app, prepare_database
from chamba.auth import security
from chamba.auth.models import Role, User
from chamba.config import load_settings
from chamba.courses import service as course_service
from chamba.courses.schemas import CourseCreate
from chamba.db import blind_index, make_engine, session_scope
from chamba.jobs import service as job_service
from chamba.jobs.schemas import JobCreate
from chamba.matching.deps import get_match_indexes
from chamba.nlp import service as nlp_service
from chamba.nlp.deps import get_text_encoder
from chamba.nlp.extraction import SkillExtractor
from chamba.orgs.models import Organisation, OrgKind

#: The seeded employer's log-in (the browser tests use it).
EMPLOYER_EMAIL = "tienda@example.pe"
#: Accounts of the other roles (the browser tests log in with them; same password).
STAFF_EMAILS = {
    Role.PROVIDER: "cetpro@example.pe",
    Role.COUNSELOR: "consejera@example.pe",
    Role.ANALYST: "analista@example.pe",
    Role.ADMIN: "admin@example.pe",
}
#: A seeker who granted the seeded counselor access.
GRANTING_SEEKER = "rosa@example.pe"
PASSWORD = "cafe con leche 42"
LIMA = "150101"
#: The file (in DATA_DIR) every message the app sends is appended to, one JSON object a line.
MAILBOX = "messages.jsonl"


class FileSender:
    """A sender (e-mail and SMS alike) that appends each message to a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: object) -> None:
        fields = {k: getattr(message, k) for k in ("to", "subject", "body")}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(fields) + "\n")


def seed(session: Session, settings: object) -> None:
    """An employer with three open jobs in Lima and a provider with a course."""
    org = Organisation(kind=OrgKind.EMPLOYER, name="Bodega Don Lucho", source="test")
    school = Organisation(kind=OrgKind.PROVIDER, name="CETPRO Lima", source="test")
    session.add_all([org, school])
    session.flush()
    session.add(
        User(
            email=EMPLOYER_EMAIL,
            email_index=blind_index(EMPLOYER_EMAIL),
            password_hash=security.hash_password(PASSWORD, settings),  # type: ignore[arg-type]
            role=Role.EMPLOYER,
            name="Lucho",
            organisation_id=org.id,
            is_active=True,
        )
    )
    jobs = [
        ("Vendedora de tienda", ["retail_sales", "customer_attention", "cash_register"], 1300),
        ("Asistente de ventas con Excel", ["retail_sales", "spreadsheets_excel"], 1500),
        ("Cajera de bodega", ["cash_register", "customer_attention"], 1150),
    ]
    for title, skills, wage in jobs:
        data = JobCreate(
            title=title,
            description=f"{title} en el Cercado de Lima.",
            location={"ubigeo": LIMA},
            hours_per_week=40,
            wage_min=wage,
            wage_max=wage + 200,
            skills=[{"id": s} for s in skills],
        )
        job_service.publish_job(session, data, organisation_id=org.id)
    course = CourseCreate(
        title="Manejo de caja para bodegas",
        modality="online",
        hours=20,
        weeks=4,
        cost=0,
        is_free=True,
        skills=[{"id": "cash_register"}],
    )
    course_service.publish_course(session, course, provider_id=school.id)
    seed_staff(session, settings, school.id)


def _user(session: Session, settings: object, email: str, role: Role, name: str) -> User:
    user = User(
        email=email,
        email_index=blind_index(email),
        password_hash=security.hash_password(PASSWORD, settings),  # type: ignore[arg-type]
        role=role,
        name=name,
        is_active=True,
    )
    session.add(user)
    session.flush()
    return user


def seed_staff(session: Session, settings: object, school_id: int) -> None:
    """A provider (of the seeded school), a counselor, an analyst, an admin, and a seeker in
    Lima who granted the counselor access."""
    from chamba.counseling.models import CounselorGrant
    from chamba.people.models import Person, PersonSkill
    from chamba.vocab import SkillSource

    names = {Role.PROVIDER: "Carmen", Role.COUNSELOR: "Consuelo", Role.ANALYST: "Ana Lista",
             Role.ADMIN: "Adela"}  # fmt: skip
    users = {r: _user(session, settings, e, r, names[r]) for r, e in STAFF_EMAILS.items()}
    users[Role.PROVIDER].organisation_id = school_id
    seeker = _user(session, settings, GRANTING_SEEKER, Role.SEEKER, "Rosa Quispe")
    person = Person(user_id=seeker.id, full_name="Rosa Quispe", email=GRANTING_SEEKER,
                    ubigeo=LIMA, source="signup")  # fmt: skip
    session.add(person)
    session.flush()
    session.add(PersonSkill(person_id=person.id, skill_id="customer_attention", confirmed=True,
                            source=SkillSource.DECLARED))  # fmt: skip
    session.add(CounselorGrant(person_id=person.id, counselor_user_id=users[Role.COUNSELOR].id))


def main(port: int, data_dir: Path) -> None:
    from tests.support.encoders import HashEncoder

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(
        data_dir=data_dir,
        env="test",
        sms_sender="log",
        log_level="WARNING",
        registrations_per_address=1000,
        password_hash_time_cost=1,
        password_hash_memory_kib=1024,
        password_hash_parallelism=1,
    )
    engine = make_engine(settings.sqlalchemy_url)
    prepare_database(engine)
    from chamba.api import consumers

    sender = FileSender(data_dir / MAILBOX)
    consumers.development_sender = lambda *_: sender  # type: ignore[assignment]
    app = create_app(settings, engine)
    with session_scope(engine) as session:
        extractor = SkillExtractor.from_session(session, semantic=False)
        seed(session, settings)
    app.state.skill_extractor = extractor
    nlp_service.get_extractor = lambda *a, **k: extractor  # type: ignore[assignment]
    encoder = HashEncoder()
    app.dependency_overrides[get_text_encoder] = lambda: encoder
    app.dependency_overrides[get_match_indexes] = lambda: None
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
