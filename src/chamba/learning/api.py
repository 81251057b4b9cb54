"""Model registry routes (admin): the model list, with the versions trained on the data of a
person who has since erased it, and promotion (refused for those, as a problem document)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from chamba.auth.deps import AdminUser
from chamba.auth.errors import NotAuthenticated, RoleRequired
from chamba.deps import SessionDep, SettingsDep
from chamba.learning import service
from chamba.learning.errors import ModelNotFound, PromotionRefused, TrainedOnErasedData
from chamba.learning.registry import ModelRegistry
from chamba.learning.schemas import ModelList, PromoteRequest
from chamba.learning.train import models_dir
from chamba.problems import responses

router = APIRouter(prefix="/models", tags=["models"])


def registry_of(settings: SettingsDep) -> ModelRegistry:
    return ModelRegistry(models_dir(settings))


RegistryDep = Annotated[ModelRegistry, Depends(registry_of)]
_auth = (NotAuthenticated, RoleRequired)


@router.get(
    "",
    summary="Registered ranker versions, newest first (admin)",
    response_model=ModelList,
    response_model_by_alias=True,
    responses=responses(*_auth),
)
def list_models(user: AdminUser, registry: RegistryDep) -> ModelList:
    return service.model_list(registry)


@router.post(
    "/{version}/promote",
    summary="Serve a version (refused when worse, or trained on erased people's data) (admin)",
    response_model=ModelList,
    response_model_by_alias=True,
    responses=responses(*_auth, ModelNotFound, TrainedOnErasedData, PromotionRefused),
)
def promote_model(
    version: Annotated[str, Path(max_length=81, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")],
    body: PromoteRequest,
    user: AdminUser,
    session: SessionDep,
    registry: RegistryDep,
) -> ModelList:
    return service.promote(session, user, registry, version, force=body.force, reason=body.reason)
