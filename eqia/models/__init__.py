"""The database models, one module per aggregate."""

from eqia.models.assessments import (
    Assessment,
    AssessmentAction,
    CoAuthor,
    EvidenceFile,
    Impact,
    ObjectiveLink,
    PendingSubmission,
    ReferenceCounter,
    Revision,
    SectionAnswers,
    Status,
)
from eqia.models.audit import AuditHead, Event
from eqia.models.catalogue import Characteristic, District, Objective, Theme
from eqia.models.plan import PlanAction, PlanStatus
from eqia.models.reviews import (
    Decision,
    DecisionKind,
    OutboxMessage,
    Rating,
    SectionEvaluation,
)
from eqia.models.users import Directorate, Role, RoleDefinition, User, UserRole

__all__ = [
    "Assessment",
    "AssessmentAction",
    "AuditHead",
    "Characteristic",
    "CoAuthor",
    "Decision",
    "DecisionKind",
    "Directorate",
    "District",
    "Event",
    "EvidenceFile",
    "Impact",
    "Objective",
    "ObjectiveLink",
    "OutboxMessage",
    "PendingSubmission",
    "PlanAction",
    "PlanStatus",
    "Rating",
    "ReferenceCounter",
    "Revision",
    "Role",
    "RoleDefinition",
    "SectionAnswers",
    "SectionEvaluation",
    "Status",
    "Theme",
    "User",
    "UserRole",
]
