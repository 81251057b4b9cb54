"""``AuditDep``: record an action of the current user, tagged with the request id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chamba.audit import service
from chamba.auth.models import User
from chamba.deps import SessionDep
from chamba.observability.logging import request_id_of


@dataclass(frozen=True, slots=True)
class Auditor:
    """Bound to one request: ``audit.record(user, "person.profile_read", "person", 7)``."""

    session: Session
    request_id: str | None

    def record(
        self, actor: User, action: str, object_type: str, object_id: int | str | None = None
    ) -> None:
        service.record(
            self.session, actor, action, object_type, object_id, request_id=self.request_id
        )


def auditor(request: Request, session: SessionDep) -> Auditor:
    return Auditor(session=session, request_id=request_id_of(request))


AuditDep = Annotated[Auditor, Depends(auditor)]
