"""Admin pages: accounts (change role, deactivate; no self-lockout), audit log, model versions
with the promotion guard; admins only, CSRF on every change."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.orm import Session

from chamba.auth.models import Role
from chamba.web import csrf

from .conftest import login_as


def test_admin_changes_a_role_and_deactivates(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    admin = make_web_user(Role.ADMIN)
    target = make_web_user(Role.SEEKER, name="Cambio De Rol")
    login_as(web, admin)
    listing = web.get("/admin/usuarios?rol=seeker&pagina=1")
    assert listing.status_code == 200
    assert f'action="/admin/usuarios/{admin.user.id}"' not in listing.text  # filtered by role
    url = f"/admin/usuarios/{target.user.id}"
    assert web.post(url, data={"rol": "analyst"}).status_code == 403
    done = web.post(url, data={"rol": "analyst", csrf.FIELD_NAME: token}, follow_redirects=False)
    assert done.status_code == 303
    seeded_session.refresh(target.user)
    assert target.user.role == Role.ANALYST
    web.post(url, data={"activo": "no", csrf.FIELD_NAME: token})
    seeded_session.refresh(target.user)
    assert target.user.is_active is False
    self_lock = web.post(
        f"/admin/usuarios/{admin.user.id}", data={"activo": "no", csrf.FIELD_NAME: token},
        follow_redirects=False,
    )  # fmt: skip
    assert "error=propio" in self_lock.headers["location"]
    log = web.get("/admin/auditoria?accion=user.role_changed")
    assert log.status_code == 200
    assert "user.role_changed" in log.text


def test_models_page_and_guard(web: Any, token: str, make_web_user: Any) -> None:
    login_as(web, make_web_user(Role.ADMIN))
    assert web.get("/admin/modelos").status_code == 200
    refused = web.post(
        "/admin/modelos/promover", data={"version": "nope", csrf.FIELD_NAME: token},
        follow_redirects=False,
    )  # fmt: skip
    assert "rechazo=" in refused.headers["location"]


@pytest.mark.parametrize("path", ["/admin/usuarios", "/admin/auditoria", "/admin/modelos"])
def test_admin_pages_are_for_admins(web: Any, make_web_user: Any, path: str) -> None:
    login_as(web, make_web_user(Role.ANALYST))
    assert web.get(path).status_code == 403
    login_as(web, None)
    assert web.get(path, follow_redirects=False).status_code == 303


def test_promotion_and_rollback_are_audited_and_announced(
    web: Any, token: str, make_web_user: Any, seeded_session: Session
) -> None:
    # GIVEN a registered (untrained) model version and an admin
    from sqlalchemy import select

    from chamba.audit.models import AuditEntry
    from chamba.config import get_settings
    from chamba.events.models import OutboxEvent
    from chamba.learning.ranker import RankerNet, TrainedRanker
    from chamba.learning.registry import ModelRegistry
    from chamba.learning.train import models_dir
    from chamba.matching.features import JOB_FEATURES

    registry = ModelRegistry(models_dir(get_settings()))
    ranker = TrainedRanker(RankerNet(JOB_FEATURES, (8,), 20), f"web-{uuid.uuid4().hex[:8]}")
    version = registry.register(ranker, {"metrics": {"ndcg@10": 0.9}}, version=None)
    login_as(web, make_web_user(Role.ADMIN))
    # WHEN the admin promotes it, then rolls back
    done = web.post("/admin/modelos/promover", data={"version": version, csrf.FIELD_NAME: token},
                    follow_redirects=False)  # fmt: skip
    assert "hecho=promovido" in done.headers["location"]
    back = web.post("/admin/modelos/revertir", data={csrf.FIELD_NAME: token},
                    follow_redirects=False)  # fmt: skip
    assert "hecho=revertido" in back.headers["location"]
    # THEN both are in the audit log and announced as model.promoted events
    actions = set(seeded_session.scalars(select(AuditEntry.action)))
    assert {"model.promoted", "model.rolled_back"} <= actions
    events = seeded_session.scalars(select(OutboxEvent.type)).all()
    assert events.count("model.promoted") >= 2


def test_a_model_trained_on_erased_data_is_shown_and_refused(
    web: Any, token: str, make_web_user: Any
) -> None:
    # GIVEN a model whose dataset snapshot held a person who has since erased their data
    from chamba.config import get_settings
    from chamba.learning.ranker import RankerNet, TrainedRanker
    from chamba.learning.registry import ModelRegistry
    from chamba.learning.train import models_dir
    from chamba.matching.features import JOB_FEATURES

    registry = ModelRegistry(models_dir(get_settings()))
    snapshot = uuid.uuid4().hex * 2
    ranker = TrainedRanker(RankerNet(JOB_FEATURES, (8,), 20), f"web-{uuid.uuid4().hex[:8]}")
    version = registry.register(
        ranker, {"metrics": {"ndcg@10": 0.99}, "dataset": {"id": snapshot}}, version=None
    )
    registry.mark_trained_on_erased([snapshot])
    login_as(web, make_web_user(Role.ADMIN))
    # WHEN the admin opens the model list THEN the model is marked and offers no promotion
    page = web.get("/admin/modelos?lang=en").text
    assert f'data-erased="{version}"' in page
    assert "erased it: it cannot be served again" in page
    assert f'name="version" value="{version}"' not in page
    # AND a promotion posted anyway is refused with its own message
    refused = web.post(
        "/admin/modelos/promover",
        data={"version": version, "forzar": "1", "motivo": "x", csrf.FIELD_NAME: token},
        follow_redirects=False,
    )  # fmt: skip
    assert refused.headers["location"].endswith("rechazo=borrado")
    assert (
        "learnt from the data of a person who has since erased it"
        in web.get(refused.headers["location"]).text
    )
    assert registry.serving_version() != version


def test_audit_log_names_roles_in_the_readers_language_and_no_stray_ids(
    web: Any, make_web_user: Any
) -> None:
    # GIVEN a counselor who listed their people (the entry's object is their own grants list)
    counselor = make_web_user(Role.COUNSELOR, name="Consuelo Díaz")
    login_as(web, counselor)
    assert web.get("/consejeria/personas").status_code == 200
    # WHEN an admin reads the log in Spanish
    login_as(web, make_web_user(Role.ADMIN))
    page = web.get("/admin/auditoria").text
    # THEN the role is in Spanish and no meaningless number trails the action
    assert "Consuelo Díaz</a> (consejero) listó a las personas que le dieron acceso</td>" in page
    assert "(counselor)" not in page
    # AND in English, in English
    page = web.get("/admin/auditoria?lang=en").text
    assert "(counselor) listed the people who granted access</td>" in page
