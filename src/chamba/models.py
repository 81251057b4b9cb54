"""Imports every feature's tables so that ``Base.metadata`` is complete (Alembic, tests)."""

from chamba.activity.models import Application, Interaction
from chamba.audit.models import AuditEntry
from chamba.auth.models import User
from chamba.conversation.models import Conversation
from chamba.counseling.models import CounselorGrant, CounselorNote
from chamba.courses.models import Course, CourseSkill
from chamba.db import Base
from chamba.events.models import OutboxEvent, ProcessedEvent
from chamba.jobs.models import Job, JobSkill
from chamba.learning.models import AttributeHistory
from chamba.notifications.models import Notification
from chamba.orgs.models import Organisation
from chamba.people.models import Person, PersonSkill
from chamba.taxonomy.models import IscoGroup, Occupation, OccupationSkill, Skill

__all__ = [
    "Application",
    "AttributeHistory",
    "AuditEntry",
    "Base",
    "Conversation",
    "Course",
    "CounselorGrant",
    "CounselorNote",
    "CourseSkill",
    "Interaction",
    "IscoGroup",
    "Job",
    "JobSkill",
    "Notification",
    "Occupation",
    "OccupationSkill",
    "Organisation",
    "OutboxEvent",
    "Person",
    "PersonSkill",
    "ProcessedEvent",
    "Skill",
    "User",
]
