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
from eqia.models.users import Directorate, Role, RoleDefinition, User, UserRole

__all__ = [
    "Assessment",
    "AssessmentAction",
    "AuditHead",
    "Characteristic",
    "CoAuthor",
    "Directorate",
    "District",
    "Event",
    "EvidenceFile",
    "Impact",
    "Objective",
    "ObjectiveLink",
    "PendingSubmission",
    "ReferenceCounter",
    "Revision",
    "Role",
    "RoleDefinition",
    "SectionAnswers",
    "Status",
    "Theme",
    "User",
    "UserRole",
]
