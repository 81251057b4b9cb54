"""SQL of conversations: one stored conversation per person (its state as JSON)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chamba.conversation.models import Conversation


def of_person(session: Session, person_id: int) -> Conversation | None:
    """The person's conversation, or ``None`` when they have none."""
    return session.get(Conversation, person_id)


def delete(session: Session, row: Conversation) -> None:
    session.delete(row)
    session.flush()


def save(session: Session, row: Conversation | None, person_id: int, state: dict[str, Any]) -> None:
    """Store ``state`` (a new dict, so the change is seen) as the person's conversation."""
    done = state["topic"] is None
    if row is None:
        session.add(Conversation(person_id=person_id, state=state, done=done))
    else:
        row.state = state
        row.done = done
    session.flush()
