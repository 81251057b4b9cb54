"""One conversation per person: where the interview stands and what it proposed (JSON state)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from chamba.db import Base, JSONType, UTCDateTime, utcnow
from chamba.json_types import JSONObject


class Conversation(Base):
    """A person's interview; ``state`` is :class:`chamba.conversation.schemas.State` as JSON.

    Deleted with the person. Restarting replaces the state (the confirmed skills stay on the
    profile).
    """

    __tablename__ = "conversations"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[JSONObject] = mapped_column(JSONType, default=dict)
    done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
