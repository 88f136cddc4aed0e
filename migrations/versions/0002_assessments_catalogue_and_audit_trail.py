"""assessments, catalogue and audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:03:42.203660

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


CHARACTERISTICS = [
    # code, name, kind, guidance
    (
        "age",
        "Age",
        "protected",
        "People of a particular age or range of ages: children and young people, working-age "
        "adults and older people. Think about who uses the service at which times and how, "
        "and who relies on others to reach it.",
    ),
    (
        "disability",
        "Disability",
        "protected",
        "People with a physical or mental impairment that has a substantial, long-term effect "
        "on their day-to-day activities: including sensory impairments, learning disabilities, "
        "long-term conditions such as cancer, HIV or multiple sclerosis, mental health "
        "conditions and neurodivergence.",
    ),
    (
        "gender-reassignment",
        "Gender reassignment",
        "protected",
        "People who are proposing to undergo, are undergoing or have undergone a process to "
        "change their sex. Medical treatment is not needed for the protection to apply.",
    ),
    (
        "marriage-civil-partnership",
        "Marriage and civil partnership",
        "protected",
        "People who are married or in a civil partnership. This characteristic is protected "
        "only for the first aim of the duty, eliminating discrimination, and mainly in "
        "employment: consider it chiefly for proposals that affect staff.",
    ),
    (
        "pregnancy-maternity",
        "Pregnancy and maternity",
        "protected",
        "Women who are pregnant, and women in the 26 weeks after giving birth, including while "
        "breastfeeding.",
    ),
    (
        "race",
        "Race",
        "protected",
        "People defined by their colour, nationality (including citizenship), or ethnic or "
        "national origins, including Gypsy, Roma and Traveller communities and people whose "
        "first language is not English.",
    ),
    (
        "religion-belief",
        "Religion or belief",
        "protected",
        "People of any religion, or none, and people with a philosophical belief that affects "
        "how they live.",
    ),
    ("sex", "Sex", "protected", "Women and men, girls and boys."),
    (
        "sexual-orientation",
        "Sexual orientation",
        "protected",
        "People who are lesbian, gay, bisexual or heterosexual: who a person is attracted to.",
    ),
    (
        "care-experience",
        "Care experience",
        "local",
        "People who are or have been in care, at any age. Cambridgeshire County Council made "
        "care experience a local protected characteristic in 2023.",
    ),
    (
        "socio-economic",
        "Socio-economic disadvantage",
        "local",
        "People on low incomes or in poverty, including people facing income inequality, "
        "unemployment, poor housing or low educational attainment.",
    ),
    (
        "carers",
        "Carers",
        "local",
        "People of any age who look after a family member, partner or friend who needs help "
        "because of illness, frailty, disability, a mental health condition or an addiction, "
        "and cannot cope without their support. Paid care workers are not included.",
    ),
    (
        "rural-isolation",
        "Rural isolation",
        "local",
        "People who live in villages and rural areas where services, transport and "
        "broadband are harder to reach.",
    ),
    (
        "armed-forces",
        "Armed forces community",
        "local",
        "Serving members of the armed forces and reservists, veterans, and their families, "
        "including bereaved families.",
    ),
]

DISTRICTS = [
    "Cambridge",
    "East Cambridgeshire",
    "Fenland",
    "Huntingdonshire",
    "South Cambridgeshire",
]

THEMES = [
    (
        "Our workforce",
        "Foster an inclusive, supportive and safe working environment that attracts and "
        "retains diverse people who feel valued, respected and empowered.",
    ),
    (
        "Our communities",
        "Further understand and work with our diverse communities across Cambridgeshire, "
        "developing local solutions which address the needs of our communities.",
    ),
    (
        "Our services",
        "Ensure people who use our services and residents have good quality public services "
        "that meet the diverse needs of our communities.",
    ),
]

# Sample objectives, four per theme: replaced by importing the council's own plan.
OBJECTIVES = [
    (1, "Make recruitment fair and accessible at every stage."),
    (1, "Close the gender and ethnicity pay gaps."),
    (1, "Support colleagues with disabilities, long-term conditions and neurodivergence."),
    (1, "Become an anti-racist organisation."),
    (2, "Improve the equality data we hold about the communities we serve."),
    (2, "Engage seldom-heard groups in decisions that affect them."),
    (2, "Reduce the impact of rural isolation on access to services."),
    (2, "Strengthen good relations and tackle hate crime."),
    (3, "Make every significant decision with due regard, through good-quality EqIAs."),
    (3, "Monitor the diversity of people using commissioned services."),
    (3, "Make our communications accessible to everyone."),
    (3, "Recognise care experience in how we design services."),
]


def upgrade():
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    characteristics = op.create_table(
        "characteristics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_characteristics")),
        sa.UniqueConstraint("code", name=op.f("uq_characteristics_code")),
    )
    districts = op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("name", name=op.f("uq_districts_name")),
    )
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_reference_counters")),
    )
    themes = op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
        sa.UniqueConstraint("name", name=op.f("uq_themes_name")),
    )
    objectives = op.create_table(
        "objectives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["themes.id"], name=op.f("fk_objectives_theme_id_themes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objectives")),
        sa.UniqueConstraint("number", name=op.f("uq_objectives_number")),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("submitted_to_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("directorate_id", sa.Integer(), nullable=True),
        sa.Column("proposal_type", sa.String(length=40), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["directorate_id"],
            ["directorates.id"],
            name=op.f("fk_assessments_directorate_id_directorates"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_assessments_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_to_id"], ["users.id"], name=op.f("fk_assessments_submitted_to_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("reference", name=op.f("uq_assessments_reference")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessments_directorate_id"), ["directorate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assessments_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_status"), ["status"], unique=False)
        batch_op.create_index("ix_assessments_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "pending_submissions",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pending_submissions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_pending_submissions")),
    )
    op.create_table(
        "assessment_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("success_measure", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_actions_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_assessment_actions_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_actions")),
    )
    with op.batch_alter_table("assessment_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_actions_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "co_authors",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_co_authors_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_co_authors_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_co_authors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("assessment_id", "user_id", name=op.f("pk_co_authors")),
    )
    with op.batch_alter_table("co_authors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_co_authors_user_id"), ["user_id"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_events_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_events_assessment_id_assessments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_events_seq")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_assessment_id_seq", ["assessment_id", "seq"], unique=False)

    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_evidence_files_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_evidence_files_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_evidence_files_stored_name")),
    )
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_files_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "impacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("characteristic_id", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Boolean(), nullable=False),
        sa.Column("negative", sa.Boolean(), nullable=False),
        sa.Column("neutral", sa.Boolean(), nullable=False),
        sa.Column("not_known", sa.Boolean(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("residual", sa.String(length=20), nullable=False),
        sa.Column("how_find_out", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_impacts_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["characteristic_id"],
            ["characteristics.id"],
            name=op.f("fk_impacts_characteristic_id_characteristics"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_impacts_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impacts")),
        sa.UniqueConstraint(
            "assessment_id", "characteristic_id", name=op.f("uq_impacts_assessment_id")
        ),
    )
    with op.batch_alter_table("impacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_impacts_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_impacts_characteristic_id"), ["characteristic_id"], unique=False
        )

    op.create_table(
        "objective_links",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("how", sa.Text(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_objective_links_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objectives.id"],
            name=op.f("fk_objective_links_objective_id_objectives"),
        ),
        sa.PrimaryKeyConstraint("assessment_id", "objective_id", name=op.f("pk_objective_links")),
    )
    with op.batch_alter_table("objective_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_objective_links_objective_id"), ["objective_id"], unique=False
        )

    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_revisions_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_revisions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("assessment_id", "number", name=op.f("uq_revisions_assessment_id")),
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revisions_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "section_answers",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_section_answers_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_section_answers_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("assessment_id", "slug", name=op.f("pk_section_answers")),
    )
    op.create_table(
        "action_characteristics",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("characteristic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["assessment_actions.id"],
            name=op.f("fk_action_characteristics_action_id_assessment_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["characteristic_id"],
            ["characteristics.id"],
            name=op.f("fk_action_characteristics_characteristic_id_characteristics"),
        ),
        sa.PrimaryKeyConstraint(
            "action_id", "characteristic_id", name=op.f("pk_action_characteristics")
        ),
    )

    op.bulk_insert(audit_head, [{"id": 1, "count": 0, "last_hash": "0" * 64}])
    op.bulk_insert(
        characteristics,
        [
            {
                "code": code,
                "name": name,
                "kind": kind,
                "guidance": guidance,
                "position": position,
                "active": True,
            }
            for position, (code, name, kind, guidance) in enumerate(CHARACTERISTICS, 1)
        ],
    )
    op.bulk_insert(
        districts,
        [{"name": name, "position": n, "active": True} for n, name in enumerate(DISTRICTS, 1)],
    )
    op.bulk_insert(
        themes,
        [
            {"name": name, "description": text, "position": n}
            for n, (name, text) in enumerate(THEMES, 1)
        ],
    )
    for number, (theme, title) in enumerate(OBJECTIVES, 1):
        theme_id = sa.select(themes.c.id).where(themes.c.position == theme).scalar_subquery()
        op.execute(
            objectives.insert().values(
                number=number,
                theme_id=theme_id,
                title=title,
                description="",
                active=True,
                sample=True,
            )
        )


def downgrade():
    op.drop_table("action_characteristics")
    op.drop_table("section_answers")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revisions_assessment_id"))

    op.drop_table("revisions")
    with op.batch_alter_table("objective_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objective_links_objective_id"))

    op.drop_table("objective_links")
    with op.batch_alter_table("impacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_impacts_characteristic_id"))
        batch_op.drop_index(batch_op.f("ix_impacts_assessment_id"))

    op.drop_table("impacts")
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_files_assessment_id"))

    op.drop_table("evidence_files")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_assessment_id_seq")

    op.drop_table("events")
    with op.batch_alter_table("co_authors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_co_authors_user_id"))

    op.drop_table("co_authors")
    with op.batch_alter_table("assessment_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_actions_assessment_id"))

    op.drop_table("assessment_actions")
    op.drop_table("pending_submissions")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_updated_at")
        batch_op.drop_index(batch_op.f("ix_assessments_status"))
        batch_op.drop_index(batch_op.f("ix_assessments_owner_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_directorate_id"))

    op.drop_table("assessments")
    op.drop_table("objectives")
    op.drop_table("themes")
    op.drop_table("reference_counters")
    op.drop_table("districts")
    op.drop_table("characteristics")
    op.drop_table("audit_head")
