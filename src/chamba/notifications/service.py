"""The inbox (list, mark read) and the job-match notifications written on ``job.posted``.

A seeker is told about a new job when it suits them well, by a cheap rule rather than the full
ranker: they hold (confirmed) at least :data:`MIN_COVERAGE` of the job's essential skills (all
its skills when none is marked essential), and the job is remote and they can work remotely
(internet and a device), or it is on site within their travel radius (default
:data:`~chamba.matching.filters.DEFAULT_MAX_DISTANCE_KM`). Only people with an active account
are told; at most :data:`MAX_PER_JOB` per job, best covered first.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from sqlalchemy.orm import Session

from chamba.auth import service as auth_service
from chamba.auth.models import User
from chamba.db import utcnow
from chamba.geo.errors import UnknownUbigeo
from chamba.geo.service import get_gazetteer
from chamba.jobs import repository as job_repository
from chamba.jobs.models import JobStatus
from chamba.matching.filters import DEFAULT_MAX_DISTANCE_KM
from chamba.notifications import repository
from chamba.notifications.errors import NotificationNotFound
from chamba.notifications.models import Notification
from chamba.notifications.schemas import NotificationList, NotificationOut
from chamba.notifications.senders import Message
from chamba.vocab import Requirement

MIN_COVERAGE = 0.6
MAX_PER_JOB = 200
JOB_MATCH = "job_match"
#: An employer moved the person's application (review, interview, hire, not selected).
APPLICATION_UPDATE = "application_update"
#: A job the person applied to closed while their application was still waiting.
JOB_CLOSED = "job_closed"
#: Spanish and English titles of the notice for each status an employer moves an application to.
STATUS_TITLES = {
    "reviewing": ("Están revisando tu postulación: {t}", "Your application is being reviewed: {t}"),
    "interview": ("Te invitan a una entrevista: {t}", "You are invited to an interview: {t}"),
    "hired": ("¡Te contrataron! {t}", "You were hired: {t}"),
    "rejected": ("Esta vez no te seleccionaron: {t}", "You were not selected this time: {t}"),
}
#: The notice of an undone hire (the employer took it back to the interview stage).
HIRE_UNDONE_TITLES = (
    "Se anuló tu contratación: {t}. Sigues en la etapa de entrevista.",
    "Your hire was undone: {t}. You are back at the interview stage.",
)
#: The notice of an undone rejection (the employer took it back to where it was).
REJECTION_UNDONE_TITLES = (
    "Se anuló el rechazo de tu postulación: {t}. Tu postulación sigue en curso.",
    "The rejection of your application was undone: {t}. Your application is still under way.",
)
#: A job the person applied to reopened (its employer undid the close).
JOB_REOPENED = "job_reopened"
#: Applications still waiting for an answer when their job closes.
WAITING = frozenset({"submitted", "reviewing", "interview"})


def view(row: Notification, lang: str) -> NotificationOut:
    """One notification as shown to a user reading in ``lang``."""
    return NotificationOut(
        id=row.id, kind=row.kind, title=row.title_en if lang == "en" else row.title_es,
        title_es=row.title_es, title_en=row.title_en, body=row.body, job_id=row.job_id,
        created_at=row.created_at, read_at=row.read_at,
    )  # fmt: skip


def unread_count(session: Session, user: User) -> int:
    """How many of the account's notifications are unread."""
    return repository.unread_count(session, user.id)


def inbox(session: Session, user: User, *, limit: int = 50) -> NotificationList:
    """The user's newest notifications, titles in the user's language."""
    rows = repository.of_user(session, user.id, limit=limit)
    return NotificationList(
        items=[view(n, user.language) for n in rows],
        unread=repository.unread_count(session, user.id),
    )


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read.

    Raises:
        NotificationNotFound: no such notification, or it belongs to someone else.
    """
    row = repository.by_id(session, notification_id)
    if row is None or row.user_id != user.id:
        raise NotificationNotFound(notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
        session.flush()
    return row


EMAIL_SUBJECT_ES = "Chamba: hay un nuevo empleo para ti"
EMAIL_SUBJECT_EN = "Chamba: a new job for you"


def _near(job_ubigeo: str, ubigeo: str | None, radius: float | None) -> bool:
    if not ubigeo:
        return False
    try:
        distance = get_gazetteer().distance_km(job_ubigeo, ubigeo)
    except (UnknownUbigeo, ValueError):
        return False
    return distance <= (radius if radius is not None else DEFAULT_MAX_DISTANCE_KM) + 1e-9


def matching_seekers(session: Session, job_id: int) -> list[tuple[int, float]]:
    """``(user_id, coverage)`` of the seekers :func:`notify_job_matches` tells about a job."""
    job = job_repository.with_skills(session, job_id)
    if job is None or job.status != JobStatus.OPEN:
        return []
    essential = {s.skill_id for s in job.skills if s.requirement == Requirement.ESSENTIAL}
    wanted = essential or {s.skill_id for s in job.skills}
    if not wanted or (not job.remote and not job.ubigeo):
        return []
    need = max(1, math.ceil(MIN_COVERAGE * len(wanted) - 1e-9))
    rows = repository.people_with_skills(session, wanted, at_least=need, remote_ready=job.remote)
    out: list[tuple[int, float]] = []
    for _person_id, user_id, ubigeo, radius, matched in rows:
        if job.remote or _near(str(job.ubigeo), ubigeo, radius):
            out.append((user_id, matched / len(wanted)))
        if len(out) >= MAX_PER_JOB:
            break
    return out


def notify_job_matches(
    session: Session, job_id: int, *, event_id: str | None = None
) -> list[Message]:
    """Write a ``job_match`` notification for each seeker the new job suits (see the module).

    Returns:
        The e-mails to send once the notifications are committed (to users with an e-mail).
    """
    job = job_repository.with_skills(session, job_id)
    seekers = matching_seekers(session, job_id)
    if job is None or not seekers:
        return []
    users = repository.users_by_ids(session, [u for u, _ in seekers])
    messages: list[Message] = []
    for user_id, _coverage in seekers:
        title_es = f"Nuevo empleo para ti: {job.title}"[:300]
        title_en = f"A new job for you: {job.title}"[:300]
        session.add(
            Notification(
                user_id=user_id, kind=JOB_MATCH, title_es=title_es, title_en=title_en,
                job_id=job.id, event_id=event_id,
            )
        )  # fmt: skip
        user = users.get(user_id)
        if user is not None and user.email:
            english = user.language == "en"
            messages.append(
                Message(
                    to=user.email,
                    # A fixed subject: the employer's words never reach a mailbox's subject line
                    # (phishing, spam filters); the title is in the body and the inbox.
                    subject=EMAIL_SUBJECT_EN if english else EMAIL_SUBJECT_ES,
                    body=_email_body(job.id, job.title, english),
                )
            )
    session.flush()
    return messages


RESET_SUBJECT_ES = "Chamba: elige una nueva contraseña"
RESET_SUBJECT_EN = "Chamba: choose a new password"


def password_reset_message(session: Session, reset_id: int) -> Message | None:
    """The e-mail of a password-reset request, with a fresh single-use token in its link
    (:func:`chamba.auth.reset.issue_token`); ``None`` when the request is no longer open.

    The token lives only in this message: the database keeps its hash, the outbox its id.
    """
    from chamba.auth import reset as reset_service

    issued = reset_service.issue_token(session, reset_id)
    if issued is None:
        return None
    user, token = issued
    assert user.email is not None
    link = f"/clave/nueva?token={token}"
    if user.language == "en":
        body = (
            "Someone (we hope you) asked to choose a new password for your Chamba account.\n"
            f"Open this link within a short time to do it: {link}\n"
            f"Or, in an app: POST /api/v1/auth/password-reset/confirm with the token {token}\n\n"
            "If it was not you, ignore this message: your password stays as it is."
        )
        return Message(to=user.email, subject=RESET_SUBJECT_EN, body=body)
    body = (
        "Alguien (esperamos que tú) pidió elegir una nueva contraseña para tu cuenta de "
        f"Chamba.\nAbre este enlace pronto para hacerlo: {link}\n"
        f"O, en una aplicación: POST /api/v1/auth/password-reset/confirm con el código {token}"
        "\n\nSi no fuiste tú, ignora este mensaje: tu contraseña sigue igual."
    )
    return Message(to=user.email, subject=RESET_SUBJECT_ES, body=body)


SIGNUP_SUBJECT_ES = "Chamba: alguien intentó registrarse con tu correo"
SIGNUP_SUBJECT_EN = "Chamba: someone tried to sign up with your e-mail"


def signup_repeated_message(session: Session, user_id: int) -> Message | None:
    """The note to an account's owner that someone tried to register with their e-mail (the
    sign-up itself answered as for a new account); ``None`` without an e-mail to write to."""
    user = auth_service.find_user(session, user_id)
    if user is None or not user.is_active or not user.email:
        return None
    if user.language == "en":
        body = (
            "Someone tried to create a Chamba account with your e-mail address. Nothing "
            "changed in your account.\nIf it was you, log in: /ingresar\n"
            "If you forgot your password, choose a new one: /clave/olvide"
        )
        return Message(to=user.email, subject=SIGNUP_SUBJECT_EN, body=body)
    body = (
        "Alguien intentó crear una cuenta de Chamba con tu correo. Tu cuenta no cambió."
        "\nSi fuiste tú, ingresa: /ingresar\n"
        "Si olvidaste tu contraseña, elige una nueva: /clave/olvide"
    )
    return Message(to=user.email, subject=SIGNUP_SUBJECT_ES, body=body)


CODE_SUBJECTS = {
    ("signup", "es"): "Chamba: tu código para confirmar tu cuenta",
    ("signup", "en"): "Chamba: your code to confirm your account",
    ("change", "es"): "Chamba: tu código para confirmar tu nuevo contacto",
    ("change", "en"): "Chamba: your code to confirm your new contact",
}


def contact_code_message(
    session: Session, code_id: int, *, channels: Collection[str] = ("email", "phone")
) -> tuple[str, Message] | None:
    """The channel (``email`` or ``phone``) and the message carrying a fresh code of request
    ``code_id`` (:func:`chamba.auth.contact.issue_code`); ``None`` when it is no longer open
    or goes to a channel not in ``channels`` (none can carry it: no code is made).

    The code lives only in this message: the database keeps a keyed hash, the outbox the id.
    An SMS is short: the code and what it is for, no link.
    """
    from chamba.auth import contact as contact_service

    issued = contact_service.issue_code(session, code_id, channels=channels)
    if issued is None:
        return None
    english = issued.user.language == "en"
    lang = "en" if english else "es"
    subject = CODE_SUBJECTS[(issued.purpose, lang)]
    code = issued.code
    if issued.channel == contact_service.PHONE:
        body = (
            f"Chamba: your code is {code}. If you did not ask for it, ignore this message."
            if english
            else f"Chamba: tu código es {code}. Si no lo pediste, ignora este mensaje."
        )
        return issued.channel, Message(to=issued.to, subject=subject, body=body)
    if issued.purpose == "signup":
        link = f"/registro/confirmar?codigo={code}"
        body = (
            f"Welcome to Chamba. Your code to confirm your account is {code}.\n"
            f"Open this link soon and enter your password: {link}\n"
            "If you did not sign up, ignore this message: without the code nothing happens."
            if english
            else f"Te damos la bienvenida a Chamba. Tu código para confirmar tu cuenta es {code}.\n"
            f"Abre este enlace pronto y escribe tu contraseña: {link}\n"
            "Si no te registraste, ignora este mensaje: sin el código no pasa nada."
        )
    else:
        body = (
            f"Your code to use this address on your Chamba account is {code}.\n"
            "Enter it on the page where you asked for the change (/cuenta/contacto).\n"
            "If you did not ask for it, ignore this message: nothing changes without the code."
            if english
            else f"Tu código para usar esta dirección en tu cuenta de Chamba es {code}.\n"
            "Escríbelo en la página donde pediste el cambio (/cuenta/contacto).\n"
            "Si no lo pediste, ignora este mensaje: sin el código nada cambia."
        )
    return issued.channel, Message(to=issued.to, subject=subject, body=body)


CHANGED_SUBJECT_ES = "Chamba: cambió el contacto de tu cuenta"
CHANGED_SUBJECT_EN = "Chamba: your account's contact changed"


def contact_changed_message(session: Session, code_id: int) -> tuple[str, Message] | None:
    """The notice to an account's old e-mail or phone that a new one replaced it."""
    from chamba.auth import contact as contact_service

    notice = contact_service.changed_notice(session, code_id)
    if notice is None:
        return None
    user, channel, previous = notice
    what_en = "e-mail address" if channel == contact_service.EMAIL else "phone number"
    what_es = "correo" if channel == contact_service.EMAIL else "número de celular"
    if user.language == "en":
        body = (
            f"The {what_en} of your Chamba account was changed; this one no longer logs in. "
            "If it was not you, choose a new password at once (/clave/olvide) and contact us."
        )
        return channel, Message(to=previous, subject=CHANGED_SUBJECT_EN, body=body)
    body = (
        f"Se cambió el {what_es} de tu cuenta de Chamba; este ya no sirve para ingresar. "
        "Si no fuiste tú, elige una nueva contraseña ya (/clave/olvide) y escríbenos."
    )
    return channel, Message(to=previous, subject=CHANGED_SUBJECT_ES, body=body)


def _email_body(job_id: int, title: str, english: bool) -> str:
    if english:
        return (
            f"A new job matches your skills: {title}.\n"
            f"See it in Chamba: /jobs/{job_id}\n\n"
            "You get this because your confirmed skills fit the job."
        )
    return (
        f"Hay un nuevo empleo que encaja con tus habilidades: {title}.\n"
        f"Míralo en Chamba: /jobs/{job_id}\n\n"
        "Recibes este mensaje porque tus habilidades confirmadas encajan con el empleo."
    )


def _notice(
    session: Session,
    user_id: int,
    kind: str,
    title_es: str,
    title_en: str,
    job_id: int,
    event_id: str | None,
) -> Message | None:
    session.add(
        Notification(
            user_id=user_id, kind=kind, title_es=title_es[:300], title_en=title_en[:300],
            job_id=job_id, event_id=event_id,
        )
    )  # fmt: skip
    user = auth_service.find_user(session, user_id)
    if user is None or not user.email:
        return None
    english = user.language == "en"
    subject = title_en if english else title_es
    link = ("See it in Chamba: " if english else "Míralo en Chamba: ") + f"/empleos/{job_id}"
    return Message(to=user.email, subject=subject[:300], body=f"{subject}\n{link}\n")


def notify_application_changed(
    session: Session,
    application_id: int,
    status: str,
    *,
    by_applicant: bool,
    event_id: str | None = None,
    previous: str | None = None,
) -> list[Message]:
    """Tell the applicant that the employer moved their application (interview, hire...), or
    undid their hire or rejection (``previous`` is ``hired`` or ``rejected``).

    A withdrawal (the applicant's own move) tells no one.
    """
    undone = {"hired": HIRE_UNDONE_TITLES, "rejected": REJECTION_UNDONE_TITLES}
    titles = undone.get(previous or "") or STATUS_TITLES.get(status)
    found = repository.application_with_user(session, application_id)
    if by_applicant or titles is None or found is None:
        return []
    user_id, job_id, title = found
    message = _notice(
        session, user_id, APPLICATION_UPDATE, titles[0].format(t=title),
        titles[1].format(t=title), job_id, event_id,
    )  # fmt: skip
    session.flush()
    return [message] if message is not None else []


def notify_job_closed(
    session: Session, job_id: int, *, event_id: str | None = None, reopened: bool = False
) -> list[Message]:
    """Tell the applicants still waiting for an answer that the job closed (or, ``reopened``,
    that its employer opened it again)."""
    job = job_repository.with_skills(session, job_id)
    if job is None:
        return []
    if reopened:
        kind, es, en = JOB_REOPENED, "Se reabrió la oferta", "The job is open again"
    else:
        kind, es, en = JOB_CLOSED, "Se cerró la oferta", "The job was closed"
    messages = []
    for user_id in repository.waiting_applicants(session, job_id, WAITING):
        message = _notice(
            session, user_id, kind, f"{es}: {job.title}", f"{en}: {job.title}", job_id, event_id,
        )  # fmt: skip
        if message is not None:
            messages.append(message)
    session.flush()
    return messages
