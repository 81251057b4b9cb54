"""Pydantic output of the model registry (the admin's model list)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ErasureMark(BaseModel):
    """Why a model may not be served again: a person in its training data erased their data."""

    model_config = ConfigDict(frozen=True)

    marked_at: str
    erasures: int  # erasures seen since it was marked
    why: str


class ModelVersion(BaseModel):
    """One registered ranker version."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    version: str
    created: str
    ndcg_at_10: float | None = Field(serialization_alias="ndcg@10")
    dataset: str | None  # the dataset snapshot it was trained on
    serving: bool
    trained_on_erased_data: ErasureMark | None
    promotable: bool  # the promotion guard would accept it without force
    why: str  # the guard's reason


class ModelList(BaseModel):
    model_config = ConfigDict(frozen=True)

    serving: str | None
    models: list[ModelVersion]  # newest first


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force: bool = False  # promote a worse model (never one trained on erased data)
    reason: str | None = Field(default=None, max_length=300)
