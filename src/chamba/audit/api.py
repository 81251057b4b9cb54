"""``GET /admin/audit``: the audit log, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chamba.audit import service
from chamba.audit.deps import AuditDep
from chamba.audit.schemas import AuditEntryOut, AuditPage
from chamba.auth.deps import AdminUser
from chamba.auth.errors import NotAuthenticated, RoleRequired
from chamba.deps import SessionDep
from chamba.params import MAX_ID, Page
from chamba.problems import responses

router = APIRouter(tags=["admin"])


@router.get(
    "/admin/audit",
    summary="The audit log, newest first (admins only)",
    responses=responses(NotAuthenticated, RoleRequired),
)
def list_audit(
    admin: AdminUser,
    session: SessionDep,
    audit: AuditDep,
    actor_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only entries by this user.")
    ] = None,
    action: Annotated[
        str | None, Query(max_length=60, description="e.g. person.profile_read")
    ] = None,
    object_type: Annotated[str | None, Query(max_length=40)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    page: Page = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    entries, total = service.list_entries(
        session,
        actor_user_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        page=page,
        per_page=per_page,
    )
    audit.record(admin, "audit.read", "audit_log")
    return AuditPage(
        items=[AuditEntryOut.model_validate(e) for e in entries],
        total=total,
        page=page,
        per_page=per_page,
    )
