"""Domain events: typed objects with a stable name, a version, a UTC time and a payload.

Every state change that other parts react to is described by one event class below. An event is
written to the outbox in the same transaction as the change (:func:`chamba.events.service.emit`)
and delivered after commit. Payloads carry ids and non-personal fields only (no names, contact
data, free text or a person's skills); a consumer that needs more re-reads the database.

Each class is registered in :data:`REGISTRY` under ``(type, version)``; ``docs/events.md``
lists them all and a test fails when the two differ. The topic of an event is
``<prefix>.<family>`` (one per family, e.g. ``chamba.job``) and its key the id of the aggregate
it is about, so Kafka keeps the events of one job (or person) in order.

Example:
    >>> event = JobPosted.about(job)  # doctest: +SKIP
    >>> event.type, event.version, event.key  # doctest: +SKIP
    ('job.posted', 1, '42')
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from chamba.json_types import JSONObject


def _now() -> datetime:
    return datetime.now(UTC)


class _JobLike(Protocol):
    """What a job event reads of a job (the ORM ``Job``; ``events`` sits below ``jobs``)."""

    @property
    def id(self) -> int: ...
    @property
    def organisation_id(self) -> int | None: ...
    @property
    def status(self) -> object: ...  # an enum or its value: read through _value
    @property
    def remote(self) -> bool: ...
    @property
    def ubigeo(self) -> str | None: ...
    @property
    def occupation_id(self) -> str | None: ...


class _CourseLike(Protocol):
    """What a course event reads of a course (the ORM ``Course``)."""

    @property
    def id(self) -> int: ...
    @property
    def provider_id(self) -> int | None: ...
    @property
    def status(self) -> object: ...
    @property
    def modality(self) -> object: ...
    @property
    def ubigeo(self) -> str | None: ...


class _PersonLike(Protocol):
    """What a person event reads of a person (the ORM ``Person``): its id only."""

    @property
    def id(self) -> int: ...


class _ApplicationLike(Protocol):
    """What an application event reads of an application (the ORM ``Application``)."""

    @property
    def id(self) -> int: ...
    @property
    def job_id(self) -> int: ...
    @property
    def person_id(self) -> int: ...
    @property
    def status(self) -> object: ...


class _InteractionLike(Protocol):
    """What a feedback event reads of an interaction (the ORM ``Interaction``)."""

    @property
    def id(self) -> int: ...
    @property
    def person_id(self) -> int | None: ...
    @property
    def subject_type(self) -> object: ...
    @property
    def subject_id(self) -> int: ...
    @property
    def kind(self) -> object: ...


def _value(obj: Any, name: str) -> Any:
    value = getattr(obj, name, None)
    return getattr(value, "value", value)  # enums as their value


class Payload(BaseModel):
    """Base of the payloads: frozen, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class DomainEvent(BaseModel):
    """Base of every event. Subclasses set the class variables and a typed ``payload``.

    Attributes:
        id: unique id of this occurrence (consumers dedupe by it).
        occurred_at: when the change happened (UTC).
        payload: the event's data (a :class:`Payload` subclass).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: ClassVar[str]
    version: ClassVar[int] = 1
    family: ClassVar[str]
    key_field: ClassVar[str]
    summary: ClassVar[str]

    id: UUID = Field(default_factory=uuid4)
    occurred_at: datetime = Field(default_factory=_now)
    payload: Payload

    @property
    def key(self) -> str:
        """The id of the aggregate the event is about (the Kafka message key)."""
        return str(getattr(self.payload, self.key_field))

    def envelope(self) -> JSONObject:
        """The JSON-ready form sent on the wire: id, type, version, occurred_at, payload."""
        return {
            "id": str(self.id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(),
            "payload": self.payload.model_dump(mode="json"),
        }


_E = TypeVar("_E", bound=type["DomainEvent"])

#: Every event class by ``(type, version)``.
REGISTRY: dict[tuple[str, int], type[DomainEvent]] = {}


def register(cls: _E) -> _E:
    """Class decorator: add an event class to :data:`REGISTRY` (names must be unique)."""
    key = (cls.type, cls.version)
    if key in REGISTRY:
        raise ValueError(f"event {key} registered twice")
    REGISTRY[key] = cls
    return cls


class UnknownEvent(ValueError):
    """An event type/version this code does not know."""


def parse_event(data: dict[str, Any]) -> DomainEvent:
    """Rebuild an event from its :meth:`DomainEvent.envelope` (or an outbox row's fields).

    Raises:
        UnknownEvent: the type and version are not registered.
        pydantic.ValidationError: the payload does not fit the schema.
    """
    cls = REGISTRY.get((str(data.get("type")), int(data.get("version") or 0)))
    if cls is None:
        raise UnknownEvent(f"unknown event {data.get('type')!r} v{data.get('version')}")
    return cls.model_validate(
        {"id": data["id"], "occurred_at": data["occurred_at"], "payload": data["payload"]}
    )


def event_types() -> list[type[DomainEvent]]:
    """The registered event classes, sorted by type then version."""
    return [REGISTRY[k] for k in sorted(REGISTRY)]


# ------------------------------------------------------------------------------- jobs


class JobPayload(Payload):
    job_id: int
    organisation_id: int | None = None
    status: str
    remote: bool = False
    ubigeo: str | None = Field(None, description="The job's place (ubigeo), not a person's.")
    occupation_id: str | None = None


class _JobEvent(DomainEvent):
    family: ClassVar[str] = "job"
    key_field: ClassVar[str] = "job_id"
    payload: JobPayload

    @classmethod
    def about(cls, job: _JobLike) -> _JobEvent:
        """The event for ``job`` (a :class:`chamba.jobs.models.Job`, flushed: it has an id)."""
        return cls(
            payload=JobPayload(
                job_id=job.id,
                organisation_id=job.organisation_id,
                status=str(_value(job, "status")),
                remote=bool(job.remote),
                ubigeo=job.ubigeo,
                occupation_id=job.occupation_id,
            )
        )


@register
class JobPosted(_JobEvent):
    type: ClassVar[str] = "job.posted"
    summary: ClassVar[str] = "A job posting was created (API or import)."


@register
class JobUpdated(_JobEvent):
    type: ClassVar[str] = "job.updated"
    summary: ClassVar[str] = "A job posting changed (fields, skills or status)."


@register
class JobClosed(_JobEvent):
    type: ClassVar[str] = "job.closed"
    summary: ClassVar[str] = "An employer closed a job posting."


@register
class JobReopened(_JobEvent):
    type: ClassVar[str] = "job.reopened"
    summary: ClassVar[str] = "An employer undid the close of a job posting (open again)."


# ---------------------------------------------------------------------------- courses


class CoursePayload(Payload):
    course_id: int
    provider_id: int | None = None
    status: str
    modality: str | None = None
    ubigeo: str | None = Field(None, description="The course's place (ubigeo).")


class _CourseEvent(DomainEvent):
    family: ClassVar[str] = "course"
    key_field: ClassVar[str] = "course_id"
    payload: CoursePayload

    @classmethod
    def about(cls, course: _CourseLike) -> _CourseEvent:
        """The event for ``course`` (flushed: it has an id)."""
        modality = _value(course, "modality")
        return cls(
            payload=CoursePayload(
                course_id=course.id,
                provider_id=course.provider_id,
                status=str(_value(course, "status")),
                modality=None if modality is None else str(modality),
                ubigeo=course.ubigeo,
            )
        )


@register
class CoursePublished(_CourseEvent):
    type: ClassVar[str] = "course.published"
    summary: ClassVar[str] = "A training provider published a course (API or import)."


@register
class CourseUpdated(_CourseEvent):
    type: ClassVar[str] = "course.updated"
    summary: ClassVar[str] = "A course changed (fields, skills taught or status)."


@register
class CourseClosed(_CourseEvent):
    type: ClassVar[str] = "course.closed"
    summary: ClassVar[str] = "A provider closed a course."


# ----------------------------------------------------------------------------- people


class PersonPayload(Payload):
    person_id: int


class SkillsPayload(Payload):
    person_id: int
    skill_count: int = Field(description="How many skills are confirmed now (not which).")


class _PersonEvent(DomainEvent):
    family: ClassVar[str] = "person"
    key_field: ClassVar[str] = "person_id"


@register
class ProfileUpdated(_PersonEvent):
    type: ClassVar[str] = "profile.updated"
    summary: ClassVar[str] = "A seeker's profile changed (or was imported)."
    payload: PersonPayload

    @classmethod
    def about(cls, person: _PersonLike) -> ProfileUpdated:
        return cls(payload=PersonPayload(person_id=person.id))


@register
class PersonErased(_PersonEvent):
    type: ClassVar[str] = "person.erased"
    summary: ClassVar[str] = (
        "A seeker erased their data: copies derived from it (vector indexes, dataset "
        "snapshots) are dropped."
    )
    payload: PersonPayload


@register
class SkillsConfirmed(_PersonEvent):
    type: ClassVar[str] = "skills.confirmed"
    summary: ClassVar[str] = "A seeker confirmed their skills (or a course certified some)."
    payload: SkillsPayload

    @classmethod
    def about(cls, person: _PersonLike, skill_count: int) -> SkillsConfirmed:
        return cls(payload=SkillsPayload(person_id=person.id, skill_count=skill_count))


# ----------------------------------------------------------------------- applications


class ApplicationPayload(Payload):
    application_id: int
    job_id: int
    person_id: int
    status: str
    previous_status: str | None = None
    by_applicant: bool = True


class _ApplicationEvent(DomainEvent):
    family: ClassVar[str] = "application"
    key_field: ClassVar[str] = "application_id"
    payload: ApplicationPayload


@register
class ApplicationCreated(_ApplicationEvent):
    type: ClassVar[str] = "application.created"
    summary: ClassVar[str] = "A seeker applied to a job."

    @classmethod
    def about(cls, application: _ApplicationLike) -> ApplicationCreated:
        return cls(
            payload=ApplicationPayload(
                application_id=application.id,
                job_id=application.job_id,
                person_id=application.person_id,
                status=str(_value(application, "status") or "submitted"),
            )
        )


@register
class ApplicationChanged(_ApplicationEvent):
    type: ClassVar[str] = "application.changed"
    summary: ClassVar[str] = "An application moved (employer) or was withdrawn (applicant)."

    @classmethod
    def about(
        cls, application: _ApplicationLike, previous: object, *, by_applicant: bool
    ) -> ApplicationChanged:
        return cls(
            payload=ApplicationPayload(
                application_id=application.id,
                job_id=application.job_id,
                person_id=application.person_id,
                status=str(_value(application, "status")),
                previous_status=str(getattr(previous, "value", previous)),
                by_applicant=by_applicant,
            )
        )


# --------------------------------------------------------------------------- feedback


class FeedbackPayload(Payload):
    interaction_id: int
    person_id: int | None = None
    subject_type: str
    subject_id: int
    kind: str


@register
class FeedbackRecorded(DomainEvent):
    type: ClassVar[str] = "feedback.recorded"
    family: ClassVar[str] = "feedback"
    key_field: ClassVar[str] = "subject_id"
    summary: ClassVar[str] = "A seeker gave feedback on a job or course (never the reason text)."
    payload: FeedbackPayload

    @classmethod
    def about(cls, interaction: _InteractionLike) -> FeedbackRecorded:
        return cls(
            payload=FeedbackPayload(
                interaction_id=interaction.id,
                person_id=interaction.person_id,
                subject_type=str(_value(interaction, "subject_type")),
                subject_id=interaction.subject_id,
                kind=str(_value(interaction, "kind")),
            )
        )


# ----------------------------------------------------------------------------- models


class ModelPayload(Payload):
    kind: str = Field(description="What the model ranks (e.g. jobs).")
    version: str | None = Field(description="The version now served; None: rule-based scorer.")
    previous_version: str | None = None
    action: str = Field(description="promote or rollback.")
    forced: bool = False


@register
class ModelPromoted(DomainEvent):
    type: ClassVar[str] = "model.promoted"
    family: ClassVar[str] = "model"
    key_field: ClassVar[str] = "kind"
    summary: ClassVar[str] = "The serving ranking model changed (promotion or rollback)."
    payload: ModelPayload


# ----------------------------------------------------------------------------- accounts


class PasswordResetPayload(Payload):
    reset_id: int = Field(
        description="The reset request; never the token nor the address (the token is made "
        "when the e-mail is written)."
    )


class _AccountEvent(DomainEvent):
    family: ClassVar[str] = "account"


@register
class PasswordResetRequested(_AccountEvent):
    type: ClassVar[str] = "account.password_reset_requested"
    key_field: ClassVar[str] = "reset_id"
    summary: ClassVar[str] = "Someone asked for a password-reset e-mail for an existing account."
    payload: PasswordResetPayload


class SignupRepeatedPayload(Payload):
    user_id: int = Field(description="The account whose e-mail or phone was used again.")


@register
class SignupRepeated(_AccountEvent):
    type: ClassVar[str] = "account.signup_repeated"
    key_field: ClassVar[str] = "user_id"
    summary: ClassVar[str] = (
        "Someone tried to register with the e-mail or phone of an existing account."
    )
    payload: SignupRepeatedPayload


class ContactCodePayload(Payload):
    code_id: int = Field(
        description="The code request; never the code nor the address (the code is made when "
        "the message is written)."
    )


class _ContactCodeEvent(_AccountEvent):
    key_field: ClassVar[str] = "code_id"
    payload: ContactCodePayload


@register
class ContactCodeRequested(_ContactCodeEvent):
    type: ClassVar[str] = "account.contact_code_requested"
    summary: ClassVar[str] = (
        "A code must go to an e-mail or phone: to confirm a new account, or a new contact of one."
    )


@register
class ContactChanged(_ContactCodeEvent):
    type: ClassVar[str] = "account.contact_changed"
    summary: ClassVar[str] = (
        "An account's e-mail or phone changed (its new one confirmed); the old one is told."
    )
