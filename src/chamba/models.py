"""Imports every feature's tables so that ``Base.metadata`` is complete (Alembic, tests)."""

from chamba.activity.models import Application, Interaction
from chamba.audit.models import AuditEntry
from chamba.auth.models import User
from chamba.courses.models import Course, CourseSkill
from chamba.db import Base
from chamba.jobs.models import Job, JobSkill
from chamba.orgs.models import Organisation
from chamba.people.models import CounselorGrant, CounselorNote, Person, PersonSkill
from chamba.taxonomy.models import IscoGroup, Occupation, OccupationSkill, Skill

__all__ = [
    "Application",
    "AuditEntry",
    "Base",
    "Course",
    "CounselorGrant",
    "CounselorNote",
    "CourseSkill",
    "Interaction",
    "IscoGroup",
    "Job",
    "JobSkill",
    "Occupation",
    "OccupationSkill",
    "Organisation",
    "Person",
    "PersonSkill",
    "Skill",
    "User",
]
