from aidsys.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent, AuditTrailIsAppendOnly
from aidsys.models.calendar import Holiday
from aidsys.models.jobs import Job
from aidsys.models.org import County, Grade, School, SchoolClass, SchoolYear, Stage, Term, grade_stage
from aidsys.models.people import SCHOOL_ROLES, Membership, MembershipQuerySet, Role, User

__all__ = [
    "GENESIS_HASH",
    "SCHOOL_ROLES",
    "AuditChainHead",
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
    "grade_stage",
]
