"""Server-side form validation that re-renders the form with a message next to each field.

A :class:`FormState` holds what the person typed (``values``) and one message per invalid field
(``errors``, already translated). Templates render fields with the macros of
``templates/_forms.html``: an invalid field gets ``aria-invalid="true"`` and an
``aria-describedby`` pointing at its message, and keeps its value; an error summary at the top of
the form links to each invalid field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)
#: ``schema field -> (form field, message)``; ``"field:ErrorClass"`` for one kind of error.
Messages = Mapping[str, tuple[str, str]]


@dataclass
class FormState:
    """Values and errors of one form.

    Example:
        >>> form = FormState({"texto": ""})
        >>> form.require("texto", "Write something")
        False
        >>> form.errors, form.ok
        ({'texto': 'Write something'}, False)
    """

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    #: The schema fields :meth:`parse` refused (``availability.hours_per_week``): names only,
    #: never what was typed, so they may be logged.
    invalid: list[str] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> FormState:
        return cls({k: v for k, v in data.items() if isinstance(v, str)})

    @property
    def ok(self) -> bool:
        return not self.errors

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, name: str, message: str) -> None:
        """Record ``message`` for field ``name`` (the first message of a field wins)."""
        self.errors.setdefault(name, message)

    def require(self, name: str, message: str) -> bool:
        """``False`` (and an error) when the field is blank."""
        if not self.value(name).strip():
            self.error(name, message)
            return False
        return True

    def max_length(self, name: str, limit: int, message: str) -> bool:
        """``False`` (and an error) when the field is longer than ``limit`` characters."""
        if len(self.value(name)) > limit:
            self.error(name, message)
            return False
        return True

    def parse(
        self,
        schema: type[Model],
        values: Mapping[str, Any],
        messages: Messages,
        default: tuple[str, str],
    ) -> Model | None:
        """``values`` (as the form sent them) checked by ``schema``, the API's own input: the
        model, or ``None`` with each error next to its field.

        An error of schema field ``f`` goes on ``messages[f]`` (a form field and its message);
        one raised as a ``ValueError`` subclass ``E`` on ``messages["f:E"]`` when given; any
        other error on ``default``.
        """
        try:
            return schema.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors():
                self.invalid.append(".".join(map(str, error["loc"])))
                name = str(error["loc"][0]) if error["loc"] else ""
                cause = (error.get("ctx") or {}).get("error")
                kind = f"{name}:{type(cause).__name__}" if cause is not None else ""
                self.error(*messages.get(kind, messages.get(name, default)))
            return None


def valid_part(schema: type[Model], values: Mapping[str, Any]) -> Model:
    """``values`` checked by ``schema``, leaving out the fields that fail (they take their
    defaults): what a form holds that is already valid, e.g. for a draft.

    Raises:
        ValidationError: a required field fails.
    """
    kept = dict(values)
    while True:
        try:
            return schema.model_validate(kept)
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]} & kept.keys()
            required = {n for n, f in schema.model_fields.items() if f.is_required()}
            if not bad or bad & required:
                raise
            for name in bad:
                del kept[name]
