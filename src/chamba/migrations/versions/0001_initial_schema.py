"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-01 01:21:51.346670
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chamba.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "isco_groups",
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("label_es", sa.String(length=300), nullable=True),
        sa.Column("label_en", sa.String(length=300), nullable=True),
        sa.Column("esco_uri", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_isco_groups")),
    )
    op.create_table(
        "occupations",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("isco_code", sa.String(length=4), nullable=True),
        sa.Column("label_es", sa.String(length=300), nullable=False),
        sa.Column("label_en", sa.String(length=300), nullable=False),
        sa.Column(
            "synonyms_es",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "synonyms_en",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("esco_uri", sa.String(length=200), nullable=True),
        sa.Column("description_es", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("updated_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupations")),
        sa.UniqueConstraint("esco_uri", name=op.f("uq_occupations_esco_uri")),
    )
    with op.batch_alter_table("occupations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_occupations_isco_code"), ["isco_code"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "employer",
                "provider",
                name="org_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("ruc", sa.String(length=11), nullable=True),
        sa.Column("sector", sa.String(length=40), nullable=True),
        sa.Column("ubigeo", sa.String(length=6), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("contact_email", sa.String(length=300), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=True),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("source", "external_id", name="uq_organisations_source_ext"),
    )
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisations_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_organisations_ubigeo"), ["ubigeo"], unique=False)

    op.create_table(
        "skills",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("label_es", sa.String(length=300), nullable=False),
        sa.Column("label_en", sa.String(length=300), nullable=False),
        sa.Column(
            "synonyms_es",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "synonyms_en",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sector", sa.String(length=40), nullable=True),
        sa.Column(
            "type",
            sa.Enum(
                "skill",
                "knowledge",
                "transversal",
                "language",
                name="skill_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("esco_uri", sa.String(length=200), nullable=True),
        sa.Column("description_es", sa.Text(), nullable=True),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reuse_level", sa.String(length=40), nullable=True),
        sa.Column(
            "broader_uris",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("updated_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skills")),
        sa.UniqueConstraint("esco_uri", name=op.f("uq_skills_esco_uri")),
    )
    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skills_sector"), ["sector"], unique=False)

    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "modality",
            sa.Enum(
                "in_person",
                "online",
                "hybrid",
                name="modality",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ubigeo", sa.String(length=6), nullable=True),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=True),
        sa.Column("cost", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("is_free", sa.Boolean(), nullable=False),
        sa.Column("scholarship", sa.Boolean(), nullable=False),
        sa.Column(
            "schedule",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "start_dates",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("certificate", sa.Boolean(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=True),
        sa.Column(
            "education_required",
            sa.Enum(
                "none",
                "primary",
                "secondary",
                "technical",
                "university",
                "postgraduate",
                name="education_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                name="course_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=True),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cost >= 0", name=op.f("ck_courses_cost_non_negative")),
        sa.CheckConstraint("hours > 0", name=op.f("ck_courses_hours_positive")),
        sa.CheckConstraint(
            "seats IS NULL OR seats >= 0", name=op.f("ck_courses_seats_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisations.id"],
            name=op.f("fk_courses_provider_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("source", "external_id", name="uq_courses_source_ext"),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_courses_provider_id"), ["provider_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_ubigeo"), ["ubigeo"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occupation_id", sa.String(length=80), nullable=True),
        sa.Column("ubigeo", sa.String(length=6), nullable=True),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=True),
        sa.Column(
            "schedule",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("wage_min", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("wage_max", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "contract_type",
            sa.Enum(
                "full_time",
                "part_time",
                "temporary",
                "internship",
                "freelance",
                "daily",
                name="contract_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "education_required",
            sa.Enum(
                "none",
                "primary",
                "secondary",
                "technical",
                "university",
                "postgraduate",
                name="education_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("openings", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "closed",
                "filled",
                name="job_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("posted_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", chamba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=True),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "hours_per_week IS NULL OR hours_per_week BETWEEN 1 AND 84",
            name=op.f("ck_jobs_hours_range"),
        ),
        sa.CheckConstraint("openings >= 1", name=op.f("ck_jobs_openings_positive")),
        sa.CheckConstraint(
            "wage_min IS NULL OR wage_max IS NULL OR wage_max >= wage_min",
            name=op.f("ck_jobs_wage_range"),
        ),
        sa.CheckConstraint(
            "wage_min IS NULL OR wage_min >= 0", name=op.f("ck_jobs_wage_min_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["occupations.id"],
            name=op.f("fk_jobs_occupation_id_occupations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_jobs_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("source", "external_id", name="uq_jobs_source_ext"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_occupation_id"), ["occupation_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_jobs_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_jobs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_ubigeo"), ["ubigeo"], unique=False)

    op.create_table(
        "occupation_skills",
        sa.Column("occupation_id", sa.String(length=80), nullable=False),
        sa.Column("skill_id", sa.String(length=80), nullable=False),
        sa.Column(
            "relation",
            sa.Enum(
                "essential",
                "optional",
                name="requirement",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["occupations.id"],
            name=op.f("fk_occupation_skills_occupation_id_occupations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_occupation_skills_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("occupation_id", "skill_id", name=op.f("pk_occupation_skills")),
    )
    with op.batch_alter_table("occupation_skills", schema=None) as batch_op:
        batch_op.create_index("ix_occupation_skills_skill", ["skill_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", chamba.db.EncryptedString(), nullable=True),
        sa.Column("email_index", sa.String(length=64), nullable=True),
        sa.Column("phone", chamba.db.EncryptedString(), nullable=True),
        sa.Column("phone_index", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "seeker",
                "employer",
                "provider",
                "counselor",
                "analyst",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", chamba.db.EncryptedString(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", chamba.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email_index", name=op.f("uq_users_email_index")),
        sa.UniqueConstraint("phone_index", name=op.f("uq_users_phone_index")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)

    op.create_table(
        "course_skills",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.String(length=80), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "basic",
                "intermediate",
                "advanced",
                name="skill_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_skills_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_course_skills_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "skill_id", name=op.f("pk_course_skills")),
    )
    with op.batch_alter_table("course_skills", schema=None) as batch_op:
        batch_op.create_index("ix_course_skills_skill", ["skill_id"], unique=False)

    op.create_table(
        "job_skills",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.String(length=80), nullable=False),
        sa.Column(
            "requirement",
            sa.Enum(
                "essential",
                "optional",
                name="requirement",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("importance", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_skills_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_job_skills_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "skill_id", name=op.f("pk_job_skills")),
    )
    with op.batch_alter_table("job_skills", schema=None) as batch_op:
        batch_op.create_index("ix_job_skills_skill", ["skill_id"], unique=False)

    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("full_name", chamba.db.EncryptedString(), nullable=True),
        sa.Column("email", chamba.db.EncryptedString(), nullable=True),
        sa.Column("phone", chamba.db.EncryptedString(), nullable=True),
        sa.Column("national_id", chamba.db.EncryptedString(), nullable=True),
        sa.Column("national_id_index", sa.String(length=64), nullable=True),
        sa.Column("gender", sa.String(length=20), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("ubigeo", sa.String(length=6), nullable=True),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "education_level",
            sa.Enum(
                "none",
                "primary",
                "secondary",
                "technical",
                "university",
                "postgraduate",
                name="education_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("years_experience", sa.Float(), nullable=True),
        sa.Column("self_description", sa.Text(), nullable=True),
        sa.Column(
            "interests",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("availability_hours", sa.Integer(), nullable=True),
        sa.Column(
            "availability_slots",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("has_internet", sa.Boolean(), nullable=False),
        sa.Column(
            "device",
            sa.Enum(
                "none",
                "phone",
                "computer",
                name="device",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("expected_wage", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("max_distance_km", sa.Float(), nullable=True),
        sa.Column("consent_visible", sa.Boolean(), nullable=False),
        sa.Column("consent_at", chamba.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=60), nullable=True),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "availability_hours IS NULL OR availability_hours BETWEEN 0 AND 112",
            name=op.f("ck_people_availability_hours_range"),
        ),
        sa.CheckConstraint(
            "expected_wage IS NULL OR expected_wage >= 0", name=op.f("ck_people_wage_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_people_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("national_id_index", name=op.f("uq_people_national_id_index")),
        sa.UniqueConstraint("source", "external_id", name="uq_people_source_ext"),
        sa.UniqueConstraint("user_id", name=op.f("uq_people_user_id")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_people_ubigeo"), ["ubigeo"], unique=False)

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "reviewing",
                "interview",
                "hired",
                "rejected",
                "withdrawn",
                name="application_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_applications_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_applications_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("job_id", "person_id", name="uq_applications_job_person"),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_person_id"), ["person_id"], unique=False)

    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("person_key", sa.String(length=40), nullable=False),
        sa.Column(
            "subject_type",
            sa.Enum(
                "job",
                "course",
                name="subject_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "shown",
                "opened",
                "saved",
                "dismissed",
                "applied",
                "interviewed",
                "hired",
                "enrolled",
                "completed",
                "useful",
                "not_useful",
                name="interaction_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("model_version", sa.String(length=60), nullable=True),
        sa.Column(
            "context",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("occurred_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_interactions_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interactions_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_interactions_person_key"), ["person_key"], unique=False
        )
        batch_op.create_index(
            "ix_interactions_person_time", ["person_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_interactions_subject", ["subject_type", "subject_id"], unique=False
        )

    op.create_table(
        "person_skills",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.String(length=80), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "basic",
                "intermediate",
                "advanced",
                name="skill_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "declared",
                "extracted",
                "certified",
                name="skill_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", chamba.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_person_skills_course_id_courses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_person_skills_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skills.id"],
            name=op.f("fk_person_skills_skill_id_skills"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "skill_id", name=op.f("pk_person_skills")),
    )
    with op.batch_alter_table("person_skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_skills_skill_id"), ["skill_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_skills_skill_id"))

    op.drop_table("person_skills")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_subject")
        batch_op.drop_index("ix_interactions_person_time")
        batch_op.drop_index(batch_op.f("ix_interactions_person_key"))
        batch_op.drop_index(batch_op.f("ix_interactions_occurred_at"))

    op.drop_table("interactions")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_person_id"))
        batch_op.drop_index(batch_op.f("ix_applications_job_id"))

    op.drop_table("applications")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_people_ubigeo"))

    op.drop_table("people")
    with op.batch_alter_table("job_skills", schema=None) as batch_op:
        batch_op.drop_index("ix_job_skills_skill")

    op.drop_table("job_skills")
    with op.batch_alter_table("course_skills", schema=None) as batch_op:
        batch_op.drop_index("ix_course_skills_skill")

    op.drop_table("course_skills")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role"))
        batch_op.drop_index(batch_op.f("ix_users_organisation_id"))

    op.drop_table("users")
    with op.batch_alter_table("occupation_skills", schema=None) as batch_op:
        batch_op.drop_index("ix_occupation_skills_skill")

    op.drop_table("occupation_skills")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_ubigeo"))
        batch_op.drop_index(batch_op.f("ix_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_jobs_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_jobs_occupation_id"))

    op.drop_table("jobs")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_ubigeo"))
        batch_op.drop_index(batch_op.f("ix_courses_status"))
        batch_op.drop_index(batch_op.f("ix_courses_provider_id"))

    op.drop_table("courses")
    with op.batch_alter_table("skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skills_sector"))

    op.drop_table("skills")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisations_ubigeo"))
        batch_op.drop_index(batch_op.f("ix_organisations_kind"))

    op.drop_table("organisations")
    with op.batch_alter_table("occupations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_occupations_isco_code"))

    op.drop_table("occupations")
    op.drop_table("isco_groups")
