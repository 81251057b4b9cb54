"""Pydantic input and output of accounts and tokens (the field names are the API contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from chamba.auth.models import Role
from chamba.fields import Name, Ruc, parse_email, parse_phone

MAX_PASSWORD = 256


def parse_account_email(value: Any) -> str | None:
    """An e-mail address, wholly lower-cased (it is a login identifier)."""
    email = parse_email(value)
    return email.lower() if email else None


def parse_mobile(value: Any) -> str | None:
    """A Peruvian mobile (9 digits starting with 9) as ``+51 987 654 321``."""
    phone = parse_phone(value)
    if phone is not None and not phone.startswith("+51 9"):
        raise ValueError(
            f"{phone!r} is a landline: use a Peruvian mobile number (9 digits starting with 9)"
        )
    return phone


AccountEmail = Annotated[str | None, BeforeValidator(parse_account_email)]
Mobile = Annotated[str | None, BeforeValidator(parse_mobile)]
Password = Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD)]
#: A person's name as shown on the account (and on the seeker's profile).
PersonName = Annotated[Name, Field(max_length=200)]


class _Identified(BaseModel):
    """An e-mail or a phone number (at least one)."""

    model_config = ConfigDict(extra="forbid")

    email: AccountEmail = None
    phone: Mobile = None

    @model_validator(mode="after")
    def _one_identifier(self) -> Self:
        if self.email is None and self.phone is None:
            raise ValueError("give an e-mail address or a mobile phone number")
        return self


class OrganisationSignup(BaseModel):
    """The business or training provider an employer or provider account belongs to."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    ruc: Ruc = None


class _OneContact(_Identified):
    """An e-mail or a phone number, not both: each address is confirmed on its own."""

    @model_validator(mode="after")
    def _only_one(self) -> Self:
        if self.email is not None and self.phone is not None:
            raise ValueError(
                "give an e-mail address or a mobile phone number, not both (add the other "
                "later: POST /api/v1/me/contact)"
            )
        return self


class RegisterIn(_OneContact):
    """Self-registration: seekers, employers and providers, with one contact (an e-mail or a
    mobile), which must be confirmed with the code sent to it before the first login."""

    password: Password
    role: Role = Role.SEEKER
    name: PersonName
    organisation: OrganisationSignup | None = None


#: A code as sent in an e-mail or SMS (8 digits; spaces and dashes around them are ignored).
ContactCodeText = Annotated[str, Field(min_length=1, max_length=20)]


class SignupConfirmIn(_Identified):
    """Confirm a new account: its e-mail or phone, the code sent there and its password."""

    code: ContactCodeText
    password: Password


class ContactChangeIn(_OneContact):
    """A new e-mail or a new phone for the account, and the current password."""

    current_password: Password


class ContactConfirmIn(BaseModel):
    """The code sent to the new e-mail or phone."""

    model_config = ConfigDict(extra="forbid")

    code: ContactCodeText


class UserCreate(_Identified):
    """An account created by an administrator: any role, staff included."""

    password: Password
    role: Role
    name: PersonName
    organisation_id: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None


class UserUpdate(BaseModel):
    """What an administrator may change on an account."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: bool | None = None


class LoginIn(_Identified):
    password: Password


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class LogoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: Annotated[str | None, Field(max_length=200)] = None


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password


class ReauthIn(BaseModel):
    """The current password, asked again before an action that cannot be undone (erasure)."""

    model_config = ConfigDict(extra="forbid")

    current_password: Password


class PasswordResetIn(BaseModel):
    """Ask for a password-reset link by e-mail."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, BeforeValidator(parse_account_email)]


class PasswordResetConfirmIn(BaseModel):
    """Choose a new password with the token of a reset link."""

    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=200)]
    new_password: Password


class Accepted(BaseModel):
    """The same answer whatever the account's existence (it tells nothing about it)."""

    detail: str


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: Role
    name: str | None
    email: str | None
    phone: str | None
    is_active: bool
    organisation_id: int | None
    language: str
    created_at: datetime
    last_login_at: datetime | None


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    page: int
    per_page: int
