"""The administrator's pages: accounts and roles, the audit log, model versions.

Authorisation is the API's: administrators only (``current_web_user(Role.ADMIN)``). Changes go
through the same services as ``PATCH /admin/users/{id}`` (an admin cannot lock themself out)
and the model registry's promotion guard (a worse model is refused unless forced, with a
reason). Every change is audited as in the API.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chamba.audit import service as audit_service
from chamba.audit.deps import AuditDep
from chamba.auth import service as auth_service
from chamba.auth.errors import SelfLockout
from chamba.auth.models import Role, User
from chamba.auth.schemas import UserUpdate
from chamba.deps import SessionDep, SettingsDep
from chamba.events.service import emit
from chamba.jobs import service as job_service
from chamba.jobs.errors import JobNotFound
from chamba.learning.errors import (
    ModelNotFound,
    NothingToRollBack,
    PromotionRefused,
    TrainedOnErasedData,
)
from chamba.learning.registry import ModelRegistry, promotion_event
from chamba.learning.train import models_dir
from chamba.params import PathId
from chamba.people import service as people_service
from chamba.web.session import WebAdmin, see_other
from chamba.web.templating import render
from chamba.web.views import verify_csrf

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

FormText = Annotated[str, Form()]
PER_PAGE: Final = 25
PageQuery = Annotated[int, Query(ge=1, le=10_000)]
ROLES: Final = tuple(r.value for r in Role)


def _pages(total: int, page: int) -> dict[str, int | None]:
    last = max(1, -(-total // PER_PAGE))
    return {"page": page, "last": last, "prev": page - 1 if page > 1 else None,
            "next": page + 1 if page < last else None}  # fmt: skip


@router.get("/admin/usuarios")
def users(
    request: Request,
    user: WebAdmin,
    session: SessionDep,
    audit: AuditDep,
    pagina: PageQuery = 1,
    rol: Annotated[str, Query(max_length=20)] = "",
    hecho: Annotated[str, Query(max_length=20)] = "",
    error: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    role = Role(rol) if rol in ROLES else None
    items, total = auth_service.list_users(session, role=role, page=pagina, per_page=PER_PAGE)
    audit.record(user, "user.list", "user")
    context = {
        "items": items, "total": total, "roles": ROLES, "role": rol if role else "",
        "done": hecho, "error": error, **_pages(total, pagina),
    }  # fmt: skip
    return render(request, "admin_usuarios.html", context)


@router.post("/admin/usuarios/{user_id}")
def change_user(
    user_id: PathId,
    user: WebAdmin,
    session: SessionDep,
    audit: AuditDep,
    rol: FormText = "",
    activo: FormText = "",
    volver: FormText = "",
) -> Response:
    """Change a role (``rol``) or activate/deactivate (``activo`` = ``si``/``no``)."""
    back = volver if volver.startswith("/admin/usuarios") else "/admin/usuarios"
    sep = "&" if "?" in back else "?"
    try:
        data = UserUpdate(
            role=Role(rol) if rol else None,
            is_active={"si": True, "no": False}.get(activo),
        )
        changed, actions = auth_service.change_user(session, user, user_id, data)
    except (ValueError, SelfLockout):
        return see_other(f"{back}{sep}error=propio")
    for action in actions:
        audit.record(user, action, "user", changed.id)
    return see_other(f"{back}{sep}hecho={changed.id}")


@router.get("/admin/auditoria")
def audit_log(
    request: Request,
    user: WebAdmin,
    session: SessionDep,
    audit: AuditDep,
    pagina: PageQuery = 1,
    accion: Annotated[str, Query(max_length=60)] = "",
    quien: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    """The audit log in words: who (by name) did what to whom, in Lima time, filtered by
    action or person acting. Reading this page is audited but hidden from the default list
    (it would otherwise fill the log); filter on it to see it."""
    action = accion if accion in audit_service.ACTIONS else None
    entries, total = audit_service.list_entries(
        session, action=action, actor_user_id=quien, page=pagina, per_page=PER_PAGE,
        exclude_actions=() if action else ("audit.read",),
    )  # fmt: skip
    audit.record(user, "audit.read", "audit_log")
    names = _names(session, entries)
    rows = [
        {
            "entry": e,
            "at": e.at.astimezone(LOCAL_TIME),
            "actor": names.get(("user", str(e.actor_user_id)), f"#{e.actor_user_id}"),
            "object": names.get((e.object_type, e.object_id or ""), None),
        }
        for e in entries
    ]
    query = "".join(f"{k}={v}&" for k, v in (("accion", action), ("quien", quien)) if v)
    context = {
        "rows": rows, "total": total, "actions": sorted(audit_service.ACTIONS),
        "action": action or "", "who": quien, "who_name": names.get(("user", str(quien))),
        "base": f"/admin/auditoria?{query}", **_pages(total, pagina),
    }  # fmt: skip
    return render(request, "admin_auditoria.html", context)


#: Audit times are shown in Peru's time (UTC-5 all year: no daylight saving, so no time zone
#: database is needed).
LOCAL_TIME: Final = timezone(timedelta(hours=-5), "PET")


def _names(session: Session, entries: list[Any]) -> dict[tuple[str, str], str]:
    """Names of the actors and the people and accounts the entries are about."""
    out: dict[tuple[str, str], str] = {}
    users = {str(e.actor_user_id) for e in entries if e.actor_user_id is not None}
    users |= {e.object_id for e in entries if e.object_type == "user" and e.object_id}
    for key in users:
        found = auth_service.find_user(session, int(key)) if key.isdigit() else None
        if found is not None:
            out[("user", key)] = found.name or f"#{key}"
    for e in entries:
        if e.object_type == "person" and e.object_id and e.object_id.isdigit():
            person = people_service.get_person(session, int(e.object_id))
            if person is not None:
                out[("person", e.object_id)] = person.full_name or f"#{e.object_id}"
        elif e.object_type == "job" and e.object_id and e.object_id.isdigit():
            try:
                job = job_service.get_job(session, int(e.object_id))
            except JobNotFound:
                continue
            out[("job", e.object_id)] = f"«{job.title}»"
    return out


def registry_of(settings: SettingsDep) -> ModelRegistry:
    return ModelRegistry(models_dir(settings))


RegistryDep = Annotated[ModelRegistry, Depends(registry_of)]


@router.get("/admin/modelos")
def models(
    request: Request,
    user: WebAdmin,
    registry: RegistryDep,
    hecho: Annotated[str, Query(max_length=20)] = "",
    rechazo: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    versions = list(reversed(registry.versions()))
    checks = {v.version: registry.check_promotion(v.version) for v in versions}
    context = {
        "versions": versions, "serving": registry.serving_version(), "checks": checks,
        "done": hecho, "refused": rechazo,
    }  # fmt: skip
    return render(request, "admin_modelos.html", context)


@router.post("/admin/modelos/promover")
def promote(
    user: WebAdmin,
    session: SessionDep,
    registry: RegistryDep,
    version: FormText = "",
    forzar: FormText = "",
    motivo: FormText = "",
) -> Response:
    """Promote a version; a worse one only with ``forzar`` and a reason."""
    force = bool(forzar) and bool(motivo.strip())
    try:
        doc = registry.promote(version, force=force, reason=motivo.strip()[:300] or None)
    except ModelNotFound:
        return see_other("/admin/modelos?rechazo=desconocido")
    except TrainedOnErasedData:
        return see_other("/admin/modelos?rechazo=borrado")
    except PromotionRefused:
        return see_other("/admin/modelos?rechazo=peor")
    _announce(session, user, doc, "model.promoted")
    return see_other("/admin/modelos?hecho=promovido")


def _announce(session: Session, user: User, doc: dict[str, Any], action: str) -> None:
    """Audit the change and tell the other processes (``model.promoted`` event)."""
    event = promotion_event(doc)
    if event is not None:
        emit(session, event)
    version = (doc.get("history") or [{}])[-1].get("version")
    audit_service.record(session, user, action, "model", str(version) if version else None)


@router.post("/admin/modelos/revertir")
def rollback(
    user: WebAdmin, session: SessionDep, registry: RegistryDep, motivo: FormText = ""
) -> Response:
    try:
        doc = registry.rollback(reason=motivo.strip()[:300] or None)
    except NothingToRollBack:
        return see_other("/admin/modelos?rechazo=nada")
    _announce(session, user, doc, "model.rolled_back")
    return see_other("/admin/modelos?hecho=revertido")
