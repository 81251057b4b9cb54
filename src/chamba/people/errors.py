"""Errors of profiles and skills; each renders as a problem+json response."""

from __future__ import annotations

from collections.abc import Iterable

from chamba.errors import ChambaError, Conflict, InvalidInput, NotFound


class NotASeeker(ChambaError):
    """Only seeker accounts have a profile (employers, providers and staff do not)."""

    status_code = 403
    title = "Forbidden"

    def __init__(self, role: str) -> None:
        super().__init__(f"Only seeker accounts have a profile; this account's role is '{role}'.")


class UnknownSkills(InvalidInput):
    title = "Unknown skills"

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = sorted(set(ids))
        shown = ", ".join(repr(i) for i in self.ids[:20])
        more = f" and {len(self.ids) - 20} more" if len(self.ids) > 20 else ""
        super().__init__(
            f"These skill ids do not exist: {shown}{more}. Find ids with /api/v1/skills?q=..."
        )


class NationalIdTaken(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "The profile could not be saved because it changed at the same moment; send it again."
        )


class PersonNotFound(NotFound):
    """No such person, or one the caller may not see (deliberately indistinguishable)."""

    def __init__(self, person_id: object, hint: str = "") -> None:
        message = f"There is no person with id {person_id} that you can see."
        super().__init__(f"{message} {hint}" if hint else message)


class ContactChangeNeedsConfirmation(InvalidInput):
    """A profile edit tried to set an e-mail or phone other than the account's: the profile
    uses the account's confirmed contact, which changes only through ``POST /me/contact``."""

    def __init__(self) -> None:
        super().__init__(
            "Your profile uses your account's e-mail and phone, the ones you confirmed. To change "
            "them, use POST /api/v1/me/contact (your password, then the code sent to the new "
            "address; web: /cuenta/contacto). Send the profile back with the e-mail and phone it "
            "shows, or without them."
        )
