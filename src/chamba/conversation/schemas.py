"""Inputs and outputs of the guided conversation (``/api/v1/me/conversation``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chamba.vocab import SkillLevel

#: Longest answer accepted, in characters.
MAX_MESSAGE_CHARS = 2000
ProposalStatus = Literal["proposed", "confirmed", "rejected"]


class ConversationIn(BaseModel):
    """One turn: an answer to the current question and/or decisions on proposed skills."""

    model_config = ConfigDict(extra="forbid")

    message: str = Field("", max_length=MAX_MESSAGE_CHARS, description="The answer, in words.")
    skip: bool = Field(False, description="Skip the current question (as if answered 'no').")
    confirm: list[str] = Field(
        default_factory=list, max_length=100, description="Proposed skill ids that are mine."
    )
    reject: list[str] = Field(
        default_factory=list, max_length=100, description="Proposed skill ids that are not."
    )


class ProposalOut(BaseModel):
    id: str
    label: str
    #: The person's own words that show the skill.
    evidence: str
    status: ProposalStatus
    level: SkillLevel | None = None
    #: The kind of work it came up in (``jobs``, ``business``, ``family``...).
    topic: str
    #: ``extraction`` (the taxonomy lexicon/encoder) or ``llm`` (suggested by the chat model,
    #: then mapped to the taxonomy).
    found_by: Literal["extraction", "llm"] = "extraction"


class TurnOut(BaseModel):
    question: str
    answer: str


class ConversationOut(BaseModel):
    """Where the interview stands: the next question (None when done) and the proposals."""

    question: str | None
    topic: str | None
    #: Questions answered so far and the most the plan may ask.
    answered: int
    total: int
    done: bool
    #: ``template`` (the built-in plan) or ``llm`` (phrased by the configured chat model).
    phrased_by: Literal["template", "llm"]
    #: A closing summary once done (None before).
    summary: str | None = None
    proposals: list[ProposalOut]
    #: The last answers, newest last (at most 20).
    turns: list[TurnOut] = Field(default_factory=list)
