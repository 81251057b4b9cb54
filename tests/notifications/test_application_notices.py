"""Notices that close an applicant's loop: the employer moved the application, the job closed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.events import world

from chamba.activity import service as activity_service
from chamba.activity.models import Application, ApplicationStatus
from chamba.events.relay import OutboxRelay
from chamba.jobs import service as job_service
from chamba.jobs.models import Job
from chamba.notifications.consumers import NotificationConsumer
from chamba.notifications.models import Notification


def _notices(factory: sessionmaker[Session]) -> list[tuple[int, str, str]]:
    with factory() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id))
        return [(r.user_id, r.kind, r.title_es) for r in rows]


def _drain(factory: sessionmaker[Session]) -> None:
    OutboxRelay(factory, consumers=[NotificationConsumer()]).dispatch_pending()


def test_interview_hire_and_closing_reach_the_applicants(factory: sessionmaker[Session]) -> None:
    # GIVEN a job with two applicants (no one else's skills match it)
    with factory() as session:
        skills = world.skill_ids(session, 2)
        org = world.employer(session)
        job = world.post_job(session, org, skills, title="Cajera de bodega")
        ana = world.seeker(session, [])
        luis = world.seeker(session, [])
        ids = [activity_service.apply_to_job(session, p, job, None).id for p in (ana, luis)]
        session.commit()
        users = (ana.user_id, luis.user_id)
        job_id = job.id
    _drain(factory)
    assert _notices(factory) == []  # applying tells no one
    # WHEN the employer moves Ana to interview, then hires her and closes the job (Luis waits)
    with factory() as session:
        first = session.get(Application, ids[0])
        assert first is not None
        for status in (ApplicationStatus.REVIEWING, ApplicationStatus.INTERVIEW):
            activity_service.move_application(session, first, status, by_applicant=False)
        session.commit()
    _drain(factory)
    with factory() as session:
        first = session.get(Application, ids[0])
        assert first is not None
        activity_service.move_application(
            session, first, ApplicationStatus.HIRED, by_applicant=False
        )
        closing = session.get(Job, job_id)
        assert closing is not None
        job_service.close_job(session, closing)
        session.commit()
    _drain(factory)
    # THEN Ana hears of each move, Luis (still waiting) of the closing; the hired Ana is not
    # told the job closed
    assert _notices(factory) == [
        (users[0], "application_update", "Están revisando tu postulación: Cajera de bodega"),
        (users[0], "application_update", "Te invitan a una entrevista: Cajera de bodega"),
        (users[0], "application_update", "¡Te contrataron! Cajera de bodega"),
        (users[1], "job_closed", "Se cerró la oferta: Cajera de bodega"),
    ]


def test_a_withdrawal_tells_no_one(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        org = world.employer(session)
        job = world.post_job(session, org, world.skill_ids(session, 1))
        person = world.seeker(session, [])
        application = activity_service.apply_to_job(session, person, job, None)
        activity_service.move_application(
            session, application, ApplicationStatus.WITHDRAWN, by_applicant=True
        )
        session.commit()
    _drain(factory)
    assert _notices(factory) == []


def test_an_undone_hire_and_a_reopened_job_reach_the_applicants(
    factory: sessionmaker[Session],
) -> None:
    from chamba.activity.models import Interaction, InteractionKind

    # GIVEN Ana hired and Luis waiting when the job closed
    with factory() as session:
        org = world.employer(session)
        job = world.post_job(session, org, world.skill_ids(session, 2), title="Cajera de bodega")
        ana = world.seeker(session, [])
        luis = world.seeker(session, [])
        first = activity_service.apply_to_job(session, ana, job, None)
        activity_service.apply_to_job(session, luis, job, None)
        for status in (ApplicationStatus.REVIEWING, ApplicationStatus.INTERVIEW):
            activity_service.move_application(session, first, status, by_applicant=False)
        activity_service.move_application(
            session, first, ApplicationStatus.HIRED, by_applicant=False
        )
        job_service.close_job(session, job)
        session.commit()
        users, ids = (ana.user_id, luis.user_id), (first.id, job.id)
    _drain(factory)
    # WHEN the employer undoes both within the day
    with factory() as session:
        hired = activity_service.get_application(session, ids[0])
        activity_service.undo_hire(session, hired)
        job_service.reopen_job(session, job_service.get_job(session, ids[1]))
        session.commit()
    _drain(factory)
    # THEN Ana is told her hire was undone, and both (waiting again) that the job is open again
    assert _notices(factory)[-3:] == [
        (users[0], "application_update",
         "Se anuló tu contratación: Cajera de bodega. Sigues en la etapa de entrevista."),
        (users[0], "job_reopened", "Se reabrió la oferta: Cajera de bodega"),
        (users[1], "job_reopened", "Se reabrió la oferta: Cajera de bodega"),
    ]  # fmt: skip
    # AND the hire left no 'hired' outcome behind
    with factory() as session:
        kinds = session.scalars(select(Interaction.kind).where(Interaction.subject_id == ids[1]))
        assert InteractionKind.HIRED not in set(kinds)


def test_an_undone_rejection_reaches_the_applicant(factory: sessionmaker[Session]) -> None:
    # GIVEN Ana turned down while being reviewed
    with factory() as session:
        org = world.employer(session)
        job = world.post_job(session, org, world.skill_ids(session, 2), title="Cajera de bodega")
        ana = world.seeker(session, [])
        application = activity_service.apply_to_job(session, ana, job, None)
        for status in (ApplicationStatus.REVIEWING, ApplicationStatus.REJECTED):
            activity_service.move_application(session, application, status, by_applicant=False)
        session.commit()
        user_id, application_id = ana.user_id, application.id
    _drain(factory)
    # WHEN the employer undoes the rejection within the day
    with factory() as session:
        rejected = activity_service.get_application(session, application_id)
        activity_service.undo_rejection(session, rejected)
        session.commit()
        assert rejected.status == ApplicationStatus.REVIEWING
    _drain(factory)
    # THEN Ana is told the rejection was undone (after being told she was not selected)
    assert _notices(factory)[-2:] == [
        (user_id, "application_update", "Esta vez no te seleccionaron: Cajera de bodega"),
        (user_id, "application_update",
         "Se anuló el rechazo de tu postulación: Cajera de bodega. Tu postulación sigue en curso."),
    ]  # fmt: skip
