"""The database models, one module per aggregate."""

from eqia.models.api_tokens import ApiToken, Dataset, Reach
from eqia.models.assessments import (
    Assessment,
    AssessmentAction,
    CoAuthor,
    EvidenceChunk,
    EvidenceFile,
    Impact,
    ObjectiveLink,
    PendingSubmission,
    ReferenceCounter,
    Revision,
    SectionAnswers,
)
from eqia.models.audit import AuditHead, Event
from eqia.models.catalogue import Characteristic, District, Objective, Theme
from eqia.models.plan import PlanAction, PlanImportUpload
from eqia.models.programmes import Programme
from eqia.models.public import SignedOffNegative, SignedOffRevision
from eqia.models.records import SealedRecord
from eqia.models.reviews import Decision, OutboxMessage, SectionEvaluation
from eqia.models.types import (
    DecisionKind,
    EventKind,
    NotificationKind,
    PlanStatus,
    Rating,
    Role,
    Status,
    tag_class,
)
from eqia.models.users import (
    Directorate,
    RecoveryCode,
    RoleDefinition,
    Setting,
    SignIn,
    User,
    UserRole,
)

__all__ = [
    "ApiToken",
    "Assessment",
    "AssessmentAction",
    "AuditHead",
    "Characteristic",
    "CoAuthor",
    "Decision",
    "DecisionKind",
    "Dataset",
    "EventKind",
    "NotificationKind",
    "Directorate",
    "District",
    "Event",
    "EvidenceChunk",
    "EvidenceFile",
    "Impact",
    "Objective",
    "ObjectiveLink",
    "OutboxMessage",
    "PendingSubmission",
    "PlanAction",
    "PlanImportUpload",
    "PlanStatus",
    "Programme",
    "Rating",
    "Reach",
    "RecoveryCode",
    "ReferenceCounter",
    "Revision",
    "Role",
    "SealedRecord",
    "RoleDefinition",
    "SectionAnswers",
    "SectionEvaluation",
    "SignedOffNegative",
    "SignedOffRevision",
    "Setting",
    "SignIn",
    "Status",
    "Theme",
    "User",
    "UserRole",
    "tag_class",
]
