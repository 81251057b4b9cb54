"""Model registry use cases for the admin (API and CLI share the registry's rules): the model
list with each version's erasure mark, and an audited promotion that tells the other processes.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chamba.audit import service as audit_service
from chamba.auth.models import User
from chamba.events.service import emit
from chamba.learning.registry import ModelRegistry, promotion_event
from chamba.learning.schemas import ErasureMark, ModelList, ModelVersion


def model_list(registry: ModelRegistry) -> ModelList:
    """Every registered version, newest first, with the guard's verdict and erasure mark."""
    serving = registry.serving_version()
    models = []
    for m in reversed(registry.versions()):
        ok, why = registry.check_promotion(m.version)
        mark = m.trained_on_erased_data
        models.append(
            ModelVersion(
                version=m.version, created=m.created, ndcg_at_10=m.ndcg, dataset=m.dataset_id,
                serving=m.version == serving, promotable=ok, why=why,
                trained_on_erased_data=ErasureMark.model_validate(mark) if mark else None,
            )
        )  # fmt: skip
    return ModelList(serving=serving, models=models)


def promote(
    session: Session,
    user: User,
    registry: ModelRegistry,
    version: str,
    *,
    force: bool = False,
    reason: str | None = None,
) -> ModelList:
    """Serve ``version`` (the registry's guard decides), audit it and emit ``model.promoted``.

    Raises:
        ModelNotFound: no such version.
        TrainedOnErasedData: it learnt from a person who has since erased their data.
        PromotionRefused: worse than the serving model and not ``force`` with a reason.
    """
    doc = registry.promote(version, force=force and bool(reason), reason=reason)
    event = promotion_event(doc)
    if event is not None:
        emit(session, event)
    audit_service.record(session, user, "model.promoted", "model", version)
    return model_list(registry)
