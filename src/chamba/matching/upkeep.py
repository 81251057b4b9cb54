"""Keep the match indexes in sync with the database on every commit, without a rebuild.

:func:`install_upkeep` hangs listeners on a ``sessionmaker`` (or a ``Session`` class or
instance):

* ``after_begin`` stamps the generation of the store's
  :class:`~chamba.matching.feature_cache.FeatureCache` into ``session.info`` (what the session
  reads may be cached only if nothing was invalidated since);
* ``after_flush`` collects the ids of new, changed and deleted jobs, people and courses, of
  the parents of changed ``JobSkill`` / ``PersonSkill`` / ``CourseSkill`` rows and of the jobs
  of new, changed and deleted applications (whose counts the feature cache then drops), into
  ``session.info`` (accumulated over every flush of the transaction);
* ``do_orm_execute`` notes bulk ``insert``/``update``/``delete`` statements on those tables (ids
  unknown), so their kinds are reconciled after commit;
* ``after_commit`` (outermost transaction only) re-reads those rows in a fresh short session on
  the same bind and applies them: open jobs/courses and every person are re-embedded and
  upserted, closed, filled or deleted ones removed;
* ``after_transaction_end`` of the outermost transaction drops whatever is still pending, so a
  rollback (or a close without commit) changes nothing.

Re-reading committed rows makes applying idempotent: over-collecting (e.g. changes made inside a
savepoint that was rolled back) costs an embedding, never a wrong index. Bulk loads that bypass
the ORM through an engine or connection (demo, ESCO import) are covered by
:meth:`~chamba.matching.store.IndexStore.reconcile` after the load or on the next start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from chamba.activity.models import Application
from chamba.courses.models import Course, CourseSkill
from chamba.jobs.models import Job, JobSkill
from chamba.matching.embeddings import KINDS, Kind
from chamba.matching.feature_cache import stamp_session
from chamba.matching.store import IndexStore
from chamba.people.models import Person, PersonSkill

log = logging.getLogger(__name__)

PENDING_KEY = "chamba.matching.upkeep.pending"
_TABLE_KINDS: dict[str, Kind] = {
    "jobs": "jobs",
    "job_skills": "jobs",
    "people": "people",
    "person_skills": "people",
    "courses": "courses",
    "course_skills": "courses",
}


class _Pending:
    """Ids per kind touched in the current transaction, plus kinds to reconcile."""

    def __init__(self) -> None:
        self.ids: dict[Kind, set[int]] = {k: set() for k in KINDS}
        self.reconcile: set[Kind] = set()
        self.applied_to: set[int] = set()  # jobs whose applications changed
        self.all_applications = False  # a bulk statement on applications (jobs unknown)

    def __bool__(self) -> bool:
        return (
            bool(self.reconcile) or any(self.ids.values()) or bool(self.applied_to)
            or self.all_applications
        )  # fmt: skip


def _owner(obj: object) -> tuple[Kind, int | None] | None:
    if isinstance(obj, Job):
        return "jobs", obj.id
    if isinstance(obj, Person):
        return "people", obj.id
    if isinstance(obj, Course):
        return "courses", obj.id
    if isinstance(obj, JobSkill):
        return "jobs", obj.job_id
    if isinstance(obj, PersonSkill):
        return "people", obj.person_id
    if isinstance(obj, CourseSkill):
        return "courses", obj.course_id
    return None


class IndexUpkeep:
    """Session listeners that keep one :class:`IndexStore` in sync. See the module docstring.

    Args:
        target: a ``sessionmaker``, a ``Session`` subclass or a ``Session`` instance.
        store: the store to update; nothing happens until its indexes are loaded.

    Example:
        >>> upkeep = install_upkeep(session_factory(engine), store)  # doctest: +SKIP
        >>> upkeep.uninstall()  # doctest: +SKIP
    """

    def __init__(self, target: sessionmaker[Session] | type[Session] | Session, store: IndexStore):
        self.target = target
        self.store = store
        self.installed = False
        self.applied = 0  # commits applied (for tests and metrics)
        self.errors = 0

    _EVENTS = (
        "after_begin",
        "after_flush",
        "do_orm_execute",
        "after_commit",
        "after_transaction_end",
    )

    def install(self) -> IndexUpkeep:
        if not self.installed:
            for name in self._EVENTS:
                event.listen(self.target, name, getattr(self, f"_{name}"))
            self.installed = True
        return self

    def uninstall(self) -> None:
        if self.installed:
            for name in self._EVENTS:
                event.remove(self.target, name, getattr(self, f"_{name}"))
            self.installed = False

    # -- listeners -----------------------------------------------------------------------

    @staticmethod
    def _pending(session: Session) -> _Pending:
        pending = session.info.get(PENDING_KEY)
        if pending is None:
            pending = session.info[PENDING_KEY] = _Pending()
        return pending

    def _after_begin(self, session: Session, _transaction: Any, _connection: Any) -> None:
        stamp_session(session, self.store.cache)

    def _after_flush(self, session: Session, _flush_context: Any) -> None:
        pending = self._pending(session)
        for obj in (*session.new, *session.deleted, *session.dirty):
            if isinstance(obj, Application) and obj.job_id is not None:
                pending.applied_to.add(obj.job_id)
        for obj in (*session.new, *session.deleted):
            owner = _owner(obj)
            if owner is not None and owner[1] is not None:
                pending.ids[owner[0]].add(owner[1])
        for obj in session.dirty:
            owner = _owner(obj)
            if owner is not None and owner[1] is not None:
                if session.is_modified(obj, include_collections=False):
                    pending.ids[owner[0]].add(owner[1])

    def _do_orm_execute(self, state: ORMExecuteState) -> None:
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", "") == "applications":
            self._pending(state.session).all_applications = True
        kind = _TABLE_KINDS.get(getattr(table, "name", ""))
        if kind is not None:
            self._pending(state.session).reconcile.add(kind)

    def _after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint was released; the outer transaction may still roll back
        pending = session.info.pop(PENDING_KEY, None)
        if not pending:
            return
        if pending.all_applications or pending.applied_to:
            self.store.cache.invalidate_applications(
                None if pending.all_applications else pending.applied_to
            )
        if pending.reconcile or any(pending.ids.values()):
            self.apply(session.get_bind(), pending.ids, pending.reconcile)

    def _after_transaction_end(self, session: Session, transaction: Any) -> None:
        if transaction.parent is None:
            session.info.pop(PENDING_KEY, None)

    # -- applying ------------------------------------------------------------------------

    def apply(self, bind: Any, ids: dict[Kind, set[int]], reconcile: Iterable[Kind] = ()) -> None:
        """Re-read and apply ``ids`` (and reconcile ``reconcile`` kinds) in a fresh session.

        Never raises: a failure is logged and the kinds are reconciled on the next apply.
        """
        kinds = [k for k in KINDS if ids.get(k)]
        try:
            with Session(bind=bind) as fresh:
                self.store.refresh(fresh, {k: ids[k] for k in kinds})
                if reconcile and self.store.indexes is not None:
                    self.store.reconcile(fresh, sorted(set(reconcile)))
            self.applied += 1
        except Exception:
            self.errors += 1
            log.exception("index upkeep failed; %s will be reconciled next time", kinds)
            self.store.mark_stale([*kinds, *reconcile])


def install_upkeep(
    target: sessionmaker[Session] | type[Session] | Session, store: IndexStore
) -> IndexUpkeep:
    """Keep ``store`` in sync with commits made by sessions of ``target``.

    Args:
        target: a ``sessionmaker`` (e.g. :func:`chamba.db.session_factory`), a ``Session``
            subclass, or one ``Session``.
        store: the :class:`IndexStore` to update.

    Returns:
        The installed :class:`IndexUpkeep` (pass it to :func:`uninstall_upkeep`).
    """
    return IndexUpkeep(target, store).install()


def uninstall_upkeep(upkeep: IndexUpkeep) -> None:
    """Remove the listeners of ``upkeep``."""
    upkeep.uninstall()
