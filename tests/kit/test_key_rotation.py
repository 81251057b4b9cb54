"""Rotating the data key loses nothing: old data stays readable, then is re-encrypted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text
from sqlalchemy.orm import Session

import chamba.models  # noqa: F401  (every table with encrypted columns)
from chamba.config import get_settings
from chamba.db import rotate_encryption
from chamba.people.models import Person

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("CHAMBA_DATA_KEY", OLD)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _use(keys: pytest.MonkeyPatch, current: str, previous: str | None = None) -> None:
    keys.setenv("CHAMBA_DATA_KEY", current)
    if previous is None:
        keys.delenv("CHAMBA_PREVIOUS_DATA_KEYS", raising=False)
    else:
        keys.setenv("CHAMBA_PREVIOUS_DATA_KEYS", previous)
    get_settings.cache_clear()


def _raw_name(session: Session, person_id: int) -> str:
    return str(
        session.execute(text("SELECT full_name FROM people WHERE id = :i"), {"i": person_id})
        .scalar_one()
    )


def test_rotation_keeps_old_data_readable_and_moves_it_to_the_new_key(
    session: Session, keys: pytest.MonkeyPatch
) -> None:
    # GIVEN a person stored with the old key
    person = Person(full_name="Rosa Quispe", email="rosa@example.pe")
    session.add(person)
    session.flush()
    session.expunge_all()
    # WHEN the key changes, with the old one kept as a previous key
    _use(keys, NEW, previous=OLD)
    # THEN the data is still readable
    assert session.get(Person, person.id).full_name == "Rosa Quispe"  # type: ignore[union-attr]
    # WHEN the data is rotated
    done = rotate_encryption(session)
    assert done["people.full_name"] >= 1
    session.expunge_all()
    # THEN it is encrypted with the new key only, and readable without the old one
    raw = _raw_name(session, person.id)
    assert Fernet(NEW.encode()).decrypt(raw.encode()) == b"Rosa Quispe"
    with pytest.raises(InvalidToken):
        Fernet(OLD.encode()).decrypt(raw.encode())
    _use(keys, NEW)
    assert session.get(Person, person.id).email == "rosa@example.pe"  # type: ignore[union-attr]


def test_without_the_previous_key_old_data_cannot_be_read(
    session: Session, keys: pytest.MonkeyPatch
) -> None:
    person = Person(full_name="Rosa Quispe")
    session.add(person)
    session.flush()
    session.expunge_all()
    _use(keys, NEW)
    with pytest.raises(RuntimeError, match="Cannot decrypt"):
        session.get(Person, person.id)


def test_a_new_blind_index_key_is_applied_to_every_index_and_lookups_follow(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chamba.auth.models import Role, User
    from chamba.db import blind_index, rotate_blind_indexes
    from chamba.people import service as people_service

    # GIVEN an account and a person whose identifiers are indexed with the current key
    get_settings.cache_clear()
    user = User(email="rosa@example.pe", email_index=blind_index("rosa@example.pe"),
                phone="+51 987 654 321", phone_index=blind_index("+51 987 654 321"),
                role=Role.SEEKER, name="Rosa")  # fmt: skip
    person = Person(full_name="Rosa", national_id="44556677",
                    national_id_index=blind_index("44556677"))  # fmt: skip
    twin = Person(full_name="Otra", national_id="44556677")  # claimed twice: left unindexed
    session.add_all([user, person, twin])
    session.flush()
    old = user.email_index
    # WHEN the blind-index key changes and the indexes are rotated
    monkeypatch.setenv("CHAMBA_BLIND_INDEX_KEY", "n" * 40)
    get_settings.cache_clear()
    try:
        assert people_service.get_by_national_id(session, "44556677") is None  # not yet
        done = rotate_blind_indexes(session)
        session.expire_all()
        # THEN every set index is keyed anew and lookups by value find the rows again
        assert done["users.email_index"] >= 1
        assert done["people.national_id_index"] >= 1
        assert user.email_index == blind_index("rosa@example.pe") != old
        assert user.phone_index == blind_index("+51 987 654 321")
        found = people_service.get_by_national_id(session, "44556677")
        assert found is not None
        assert found.id == person.id
        assert twin.national_id_index is None
    finally:
        monkeypatch.delenv("CHAMBA_BLIND_INDEX_KEY")
        get_settings.cache_clear()
