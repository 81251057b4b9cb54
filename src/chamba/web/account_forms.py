"""What the account pages (sign-up, log-in, contact change, password change and reset) read and
say alike: the contact field taken as an e-mail or a phone, and the refusals that several of
them show next to a field, each worded once in the web catalogue."""

from __future__ import annotations

from typing import TypedDict

from fastapi import Request

from chamba.auth.errors import TooManyAttempts
from chamba.web.i18n import format_number
from chamba.web.templating import gettext_for, request_lang


class Contact(TypedDict, total=False):
    email: str
    phone: str


def identifier(contact: str) -> Contact:
    """An e-mail when it has ``@``, else a phone number."""
    contact = contact.strip()
    return {"email": contact} if "@" in contact else {"phone": contact}


def too_many(request: Request, exc: TooManyAttempts) -> str:
    """A rate limit was hit (an account page, or /descubre): how many minutes to wait."""
    _ = gettext_for(request)
    minutes = max(1, -(-exc.retry_after // 60))
    return _("Too many attempts. Please wait %(minutes)s minutes and try again.") % {
        "minutes": format_number(minutes, request_lang(request))
    }


def weak_password(request: Request) -> str:
    """The password policy refused the new password (:class:`chamba.auth.errors.WeakPassword`)."""
    _ = gettext_for(request)
    return _(
        "Choose a safer password: at least 10 characters, not only numbers, not "
        "your e-mail or phone, not a common word. Three or four words you will "
        "remember work well."
    )


def invalid_contact(request: Request) -> str:
    """The contact field is neither a valid e-mail nor a Peruvian mobile number."""
    _ = gettext_for(request)
    return _(
        "Write a valid e-mail (name@example.com) or a Peruvian mobile "
        "number (9 digits starting with 9)."
    )


def sms_unavailable(request: Request) -> str:
    """A mobile number would need an SMS code and this Chamba sends none
    (:class:`chamba.auth.errors.SmsUnavailable`)."""
    _ = gettext_for(request)
    return _(
        "This Chamba cannot send SMS, so a mobile number cannot be confirmed here. "
        "Use your e-mail instead; you can add your mobile later."
    )
