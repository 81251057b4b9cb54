"""Sliding-window rate limits kept in the database, so that every API replica shares them.

An attempt is a row (scope, keyed hash of the account or address, time). A limit of ``N`` per
``window`` refuses a new attempt while ``N`` attempts lie inside the window, and says when the
oldest of them leaves it (``Retry-After``). Rows older than the window are pruned as new ones
are written. Keys are blind indexes: the table holds no e-mail, phone or IP address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chamba.auth import repository
from chamba.auth.errors import TooManyAttempts
from chamba.config import Settings
from chamba.db import WRITER_KEY, blind_index, table_of
from chamba.side_writes import side_writer_of


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` attempts of ``scope`` per key within ``window``."""

    scope: str
    count: int
    window: timedelta
    #: How the refused attempts are named to the person ("failed logins").
    what: str

    def check(self, session: Session, value: str, *, now: datetime) -> None:
        """Raise :class:`TooManyAttempts` (429, with Retry-After) when the limit is reached."""
        oldest = repository.blocked_until(
            session, self.scope, _key(value), limit=self.count, since=now - self.window
        )
        if oldest is not None:
            wait = (oldest + self.window - now).total_seconds()
            raise TooManyAttempts(self.what, wait)

    def hit(self, session: Session, value: str, *, now: datetime) -> None:
        """Count one attempt, and forget attempts that have left the window."""
        repository.prune_attempts(session, self.scope, before=now - self.window)
        repository.add_attempt(session, self.scope, _key(value), now=now)

    def reset(self, session: Session, value: str) -> None:
        """Forget every attempt of this key (after a successful login)."""
        repository.clear_attempts(session, self.scope, _key(value))


@dataclass(frozen=True, slots=True)
class ProgressiveDelay:
    """After ``free`` failures within ``window``, each further attempt waits ``base`` seconds
    after the latest failure, doubling with every failure, at most ``cap``.

    Unlike a hard lock, the owner is never shut out for long, and a guesser gets ever fewer
    tries: with the defaults about 100 a day. Failures are remembered for ``window``.
    """

    scope: str
    free: int
    window: timedelta
    base: timedelta
    cap: timedelta
    what: str

    def wait(self, session: Session, value: str, *, now: datetime) -> float:
        """Seconds still to wait before the next attempt (0: go ahead)."""
        count, latest = repository.attempts_since(
            session, self.scope, _key(value), since=now - self.window
        )
        if count < self.free or latest is None:
            return 0.0
        delay = min(self.base * 2.0 ** min(count - self.free, 20), self.cap)
        return max(0.0, (latest + delay - now).total_seconds())

    def check(self, session: Session, value: str, *, now: datetime) -> None:
        wait = self.wait(session, value, now=now)
        if wait > 0:
            raise TooManyAttempts(self.what, wait)

    def hit(self, session: Session, value: str, *, now: datetime) -> None:
        repository.prune_attempts(session, self.scope, before=now - self.window)
        repository.add_attempt(session, self.scope, _key(value), now=now)

    def reset(self, session: Session, value: str) -> None:
        repository.clear_attempts(session, self.scope, _key(value))


#: How long failed logins of an account are remembered for its progressive delay.
ACCOUNT_FAILURE_MEMORY = timedelta(days=1)


def _key(value: str) -> str:
    return blind_index(value)


def login_per_account(settings: Settings) -> ProgressiveDelay:
    """Failed logins of one account: free at first, then progressively delayed (not locked)."""
    return ProgressiveDelay(
        "login_account",
        settings.login_failures_per_account,
        ACCOUNT_FAILURE_MEMORY,
        base=timedelta(seconds=30),
        cap=timedelta(minutes=15),
        what="failed logins for this account",
    )


def login_per_address(settings: Settings) -> Limit:
    return Limit(
        "login_address",
        settings.login_failures_per_address,
        timedelta(minutes=settings.login_window_minutes),
        "failed logins from your network",
    )


def registration_per_address(settings: Settings) -> Limit:
    return Limit(
        "register_address",
        settings.registrations_per_address,
        timedelta(minutes=settings.registration_window_minutes),
        "sign-ups from your network",
    )


def national_id_claims() -> Limit:
    """How often a seeker may change the national id on their profile (5 a day): whether a
    number is already someone else's is never told, and guessing is slowed down as well."""
    return Limit("national_id_claim", 5, timedelta(days=1), "changes of your national id")


# --- costly and outbound operations ------------------------------------------------------------


def usage_limit(scope: str, settings: Settings, *, signed_in: bool) -> Limit:
    """How often one user (or, signed out, one address) may run a costly operation ``scope``
    (skill extraction, matching, pathways...) in an hour; ``post_job`` (which may e-mail up to
    200 seekers) is counted per day."""
    if scope == "post_job":
        return Limit("use_post_job", settings.job_postings_per_day, timedelta(days=1),
                     "job postings today")  # fmt: skip
    if signed_in:
        return Limit(f"use_{scope}", settings.requests_per_user_per_hour, timedelta(hours=1),
                     "requests of this kind")  # fmt: skip
    return Limit(f"use_{scope}_anon", settings.anonymous_requests_per_address_per_hour,
                 timedelta(hours=1), "requests from your network")  # fmt: skip


def count_use(
    session: Session,
    scope: str,
    *,
    user_id: int | None,
    address: str | None,
    settings: Settings,
    now: datetime,
) -> None:
    """Count one use of ``scope`` by the user (or, without one, the client address).

    Raises:
        TooManyAttempts: the limit is reached (429 with Retry-After).
    """
    limit = usage_limit(scope, settings, signed_in=user_id is not None)
    key = f"user:{user_id}" if user_id is not None else f"address:{address or 'unknown'}"
    limit.check(session, key, now=now)
    writer = side_writer_of(session)
    if writer is not None and not session.info.get(WRITER_KEY):
        # A read (GET matches, pathways): counting it must not make its transaction a writer
        # (on SQLite a read-then-write transaction fails when another committed in between),
        # so the app's side writer records the use within about a second.
        from chamba.auth.models import AuthAttempt

        writer.submit(table_of(AuthAttempt),
                      [{"scope": limit.scope, "key": _key(key), "created_at": now}])  # fmt: skip
        cutoff = now - limit.window
        writer.submit_work(
            ("prune", limit.scope),
            lambda conn: repository.prune_attempts(conn, limit.scope, before=cutoff),
        )
        return
    limit.hit(session, key, now=now)


def password_resets_per_address() -> Limit:
    """Password-reset requests from one address (10 an hour, whatever the accounts)."""
    return Limit("reset_address", 10, timedelta(hours=1), "password-reset requests")


def password_resets_per_account() -> Limit:
    """Password-reset e-mails to one account (3 an hour): a stranger cannot flood a mailbox."""
    return Limit("reset_account", 3, timedelta(hours=1), "password-reset requests")


def contact_codes_per_account() -> Limit:
    """Codes sent to confirm an account's contact or a new one (5 an hour per account): a
    stranger signing up again and again cannot flood someone's mailbox or phone."""
    return Limit("contact_code", 5, timedelta(hours=1), "confirmation codes")


def contact_confirmations_per_address() -> Limit:
    """Tries to confirm a new account from one address (20 an hour, right or wrong)."""
    return Limit("confirm_address", 20, timedelta(hours=1), "confirmation attempts")
