"""action plan: plan actions, links from EqIA actions, sample actions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:30:00.000000

"""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Sample actions, one per sample objective: replaced by importing the council's own plan.
# objective number, reference, action, responsible, start, end, success measure, status,
# completed on, progress note
ACTIONS = [
    (
        1,
        "A1.1",
        "Review every job advert template for inclusive language and essential criteria.",
        "HR Services – Recruitment team",
        "2024-02-01",
        "2024-09-30",
        "100% of adverts use the reviewed templates; applications from disabled candidates "
        "rise by 10%.",
        "complete",
        "2024-09-27",
        "All templates reviewed and in use.",
    ),
    (
        2,
        "A2.1",
        "Publish an ethnicity pay gap report alongside the gender pay gap report.",
        "HR Services – Workforce insight",
        "2024-04-01",
        "2025-03-31",
        "Report published each year; gap narrowed year on year.",
        "complete",
        "2025-03-28",
        "",
    ),
    (
        3,
        "A3.1",
        "Roll out the Wellbeing passport to all directorates.",
        "Occupational Health",
        "2024-01-15",
        "2024-12-31",
        "80% of managers trained; passport uptake recorded in annual survey.",
        "on-track",
        None,
        "",
    ),
    (
        4,
        "A4.1",
        "Deliver anti-racism training to all people managers.",
        "Anti-racism steering group with Learning & Development",
        "2024-03-01",
        "2025-06-30",
        "90% of managers complete training; staff survey belonging score for Global Majority "
        "colleagues rises.",
        "at-risk",
        None,
        "",
    ),
    (
        5,
        "A5.1",
        "Publish district-level equality profiles from the 2021 Census and JSNA.",
        "Business Intelligence",
        "2024-02-01",
        "2024-07-31",
        "Profiles published and used in at least 20 EqIAs.",
        "complete",
        "2024-07-19",
        "",
    ),
    (
        6,
        "A6.1",
        "Set up a community reference panel including Gypsy, Roma and Traveller representatives.",
        "Communities Service",
        "2024-05-01",
        "2025-03-31",
        "Panel meets quarterly; consulted on all key decisions.",
        "on-track",
        None,
        "",
    ),
    (
        7,
        "A7.1",
        "Map service access times by public transport for Fenland and East Cambridgeshire.",
        "Place & Sustainability",
        "2024-06-01",
        "2025-01-31",
        "Map published; findings cited in transport EqIAs.",
        "not-started",
        None,
        "",
    ),
    (
        8,
        "A8.1",
        "Co-produce hate-crime reporting guidance with partners.",
        "Community Safety Partnership",
        "2024-04-01",
        "2024-12-31",
        "Guidance published; reporting routes promoted in all libraries.",
        "complete",
        "2024-12-13",
        "",
    ),
    (
        9,
        "A9.1",
        "Train a network of EqIA Super Users in every directorate.",
        "EDI team",
        "2024-01-08",
        "2024-06-30",
        "At least two trained Super Users per directorate; 100% of key decisions have an "
        "approved EqIA.",
        "complete",
        "2024-06-28",
        "",
    ),
    (
        10,
        "A10.1",
        "Add equality monitoring clauses to new contracts above £100k.",
        "Procurement and Commercial",
        "2024-04-01",
        "2025-03-31",
        "100% of new contracts include the clause.",
        "on-track",
        None,
        "",
    ),
    (
        11,
        "A11.1",
        "Meet WCAG 2.2 AA on the council website and offer Easy Read versions of key documents.",
        "Communications",
        "2024-02-01",
        "2025-03-31",
        "Accessibility audit passes; Easy Read versions for all consultations.",
        "at-risk",
        None,
        "",
    ),
    (
        12,
        "A12.1",
        "Include care-experienced young people in the design of the Leaving Care offer.",
        "Children, Education & Families",
        "2024-03-01",
        "2024-11-30",
        "Offer co-produced; satisfaction measured in the care leavers' survey.",
        "not-started",
        None,
        "",
    ),
]


def upgrade():
    plan_actions = op.create_table(
        "plan_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=300), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("success_measure", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress_note", sa.Text(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objectives.id"],
            name=op.f("fk_plan_actions_objective_id_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_plan_actions_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_actions")),
        sa.UniqueConstraint("reference", name=op.f("uq_plan_actions_reference")),
    )
    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_actions_objective_id"), ["objective_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_actions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_actions_end_date"), ["end_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_plan_actions_completed_on"), ["completed_on"], unique=False
        )

    with op.batch_alter_table("assessment_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_action_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_assessment_actions_plan_action_id"), ["plan_action_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_assessment_actions_plan_action_id_plan_actions"),
            "plan_actions",
            ["plan_action_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Attach each sample action to its sample objective, where that is still there.
    objectives = sa.table(
        "objectives",
        sa.column("id", sa.Integer()),
        sa.column("number", sa.Integer()),
        sa.column("sample", sa.Boolean()),
    )
    query = sa.select(objectives.c.number, objectives.c.id).where(objectives.c.sample.is_(True))
    sample_objectives = dict(op.get_bind().execute(query).all())
    now = datetime.now(UTC)
    op.bulk_insert(
        plan_actions,
        [
            {
                "objective_id": sample_objectives[number],
                "reference": reference,
                "action": action,
                "responsible": responsible,
                "start_date": date.fromisoformat(start),
                "end_date": date.fromisoformat(end),
                "success_measure": measure,
                "status": status,
                "progress_note": note,
                "completed_on": date.fromisoformat(done) if done else None,
                "updated_by_id": None,
                "updated_at": now,
                "active": True,
                "sample": True,
                "version": 1,
            }
            for number, reference, action, responsible, start, end, measure, status, done, note in (
                ACTIONS
            )
            if number in sample_objectives
        ],
    )


def downgrade():
    with op.batch_alter_table("assessment_actions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_assessment_actions_plan_action_id_plan_actions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_assessment_actions_plan_action_id"))
        batch_op.drop_column("plan_action_id")

    with op.batch_alter_table("plan_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_actions_completed_on"))
        batch_op.drop_index(batch_op.f("ix_plan_actions_end_date"))
        batch_op.drop_index(batch_op.f("ix_plan_actions_status"))
        batch_op.drop_index(batch_op.f("ix_plan_actions_objective_id"))

    op.drop_table("plan_actions")
