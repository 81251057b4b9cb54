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
