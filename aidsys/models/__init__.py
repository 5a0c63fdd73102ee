from aidsys.models.audit import (
    ACCOUNTS,
    GENESIS_HASH,
    LEGACY,
    SYSTEM,
    AuditAnchor,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    AuditTrailIsAppendOnly,
    county_partition,
)
from aidsys.models.calendar import Holiday
from aidsys.models.jobs import Job
from aidsys.models.org import County, Grade, School, SchoolClass, SchoolYear, Stage, Term, grade_stage
from aidsys.models.people import SCHOOL_ROLES, Membership, MembershipQuerySet, Role, User

__all__ = [
    "ACCOUNTS",
    "GENESIS_HASH",
    "LEGACY",
    "SCHOOL_ROLES",
    "SYSTEM",
    "AuditAnchor",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditTrailIsAppendOnly",
    "County",
    "Grade",
    "Holiday",
    "Job",
    "Membership",
    "MembershipQuerySet",
    "Role",
    "School",
    "SchoolClass",
    "SchoolYear",
    "Stage",
    "Term",
    "User",
    "county_partition",
    "grade_stage",
]
