"""The events consumer of notifications: inbox notices (then e-mail) on job and application
events (registered by the app and ``chamba worker``, :mod:`chamba.api.consumers`)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from chamba.events.consumers import AfterCommit, Consumer
from chamba.events.schemas import (
    ApplicationChanged,
    ContactChanged,
    ContactCodeRequested,
    DomainEvent,
    JobClosed,
    JobPosted,
    JobReopened,
    PasswordResetRequested,
    SignupRepeated,
)
from chamba.notifications import service as notification_service
from chamba.notifications.senders import DeliveryError, Sender

log = logging.getLogger(__name__)


class NotificationConsumer(Consumer):
    """Inbox notifications (then e-mail): on ``job.posted`` for the seekers the job suits; on
    ``application.changed`` for the applicant an employer moved (or whose hire was undone); on
    ``job.closed`` and ``job.reopened`` for the applicants still waiting; on
    ``account.password_reset_requested`` the reset e-mail (no inbox entry: its reader cannot
    log in), with a token made as it is written; on ``account.signup_repeated`` a note to the
    owner that someone tried to register with their e-mail; on
    ``account.contact_code_requested`` the code (made as it is written) to the e-mail or, by
    SMS, the phone it confirms; on ``account.contact_changed`` a notice to the old address.

    Args:
        sender: a :class:`~chamba.notifications.senders.Sender` of e-mail; ``None`` sends none.
        sms_sender: a sender of SMS (``Message.to`` is the phone, the body the text); ``None``
            sends none, and no code is made for a phone.
    """

    name = "notifications"
    types = frozenset(
        {
            JobPosted.type,
            JobClosed.type,
            JobReopened.type,
            ApplicationChanged.type,
            PasswordResetRequested.type,
            SignupRepeated.type,
            ContactCodeRequested.type,
            ContactChanged.type,
        }
    )
    shared = True

    def __init__(self, sender: Sender | None = None, sms_sender: Sender | None = None) -> None:
        super().__init__()
        self.sender = sender
        self.sms_sender = sms_sender

    def _contact_message(self, session: Session, event: DomainEvent) -> AfterCommit:
        """A code, or a notice of a change, through the sender of its channel (no code is
        made when that channel has no sender: none is lost)."""
        if event.type == ContactCodeRequested.type:
            if self.sender is None and self.sms_sender is None:
                log.warning("contact code not sent (no e-mail or SMS sender): %s", event.id)
                return None
            made = notification_service.contact_code_message(
                session, int(event.key), channels=self._channels()
            )
        else:
            made = notification_service.contact_changed_message(session, int(event.key))
        if made is None:
            return None
        channel, message = made
        sender = self.sender if channel == "email" else self.sms_sender
        if sender is None:
            log.warning("%s message not sent (no sender for it): %s", channel, event.id)
            return None

        def send() -> None:
            try:
                sender.send(message)
            except Exception:
                log.exception("could not send a %s message (event %s)", channel, event.id)

        return send

    def _channels(self) -> frozenset[str]:
        return frozenset(
            c for c, s in (("email", self.sender), ("phone", self.sms_sender)) if s is not None
        )

    def handle(self, session: Session, event: DomainEvent) -> AfterCommit:
        event_id = str(event.id)
        if event.type in (ContactCodeRequested.type, ContactChanged.type):
            return self._contact_message(session, event)
        if event.type == PasswordResetRequested.type:
            if self.sender is None:  # no mail server: no token is made, none is lost
                log.warning("password-reset e-mail not sent (no CHAMBA_SMTP_HOST): %s", event.id)
                return None
            reset = notification_service.password_reset_message(session, int(event.key))
            messages = [reset] if reset is not None else []
        elif event.type == SignupRepeated.type:
            repeated = notification_service.signup_repeated_message(session, int(event.key))
            messages = [repeated] if repeated is not None else []
        elif isinstance(event, ApplicationChanged):
            payload = event.payload
            messages = notification_service.notify_application_changed(
                session, payload.application_id, payload.status,
                by_applicant=payload.by_applicant, event_id=event_id,
                previous=payload.previous_status,
            )  # fmt: skip
        elif event.type in (JobClosed.type, JobReopened.type):
            messages = notification_service.notify_job_closed(
                session, int(event.key), event_id=event_id, reopened=event.type != JobClosed.type
            )
        else:
            messages = notification_service.notify_job_matches(
                session, int(event.key), event_id=event_id
            )
        sender = self.sender
        if sender is None or not messages:
            return None

        def send() -> None:
            for n, message in enumerate(messages):
                try:
                    sender.send(message)
                except DeliveryError as exc:
                    if exc.per_message:
                        log.warning("a job-match e-mail was refused (event %s): %s", event.id, exc)
                        continue
                    # The server, not this message, failed (connection, TLS, login): every other
                    # message would fail the same way, and repeated failed logins lock accounts.
                    log.error(
                        "job-match e-mails stopped (event %s): %s; %d not sent",
                        event.id, exc, len(messages) - n,
                    )  # fmt: skip
                    return
                except Exception:
                    log.exception("could not send a job-match e-mail (event %s)", event.id)

        return send
