from students.models.choices import (
    ETHNIC_GROUPS,
    AccountKind,
    BigExpense,
    EnrolmentStatus,
    Gender,
    Health,
    Housing,
    Hukou,
    IncomeSource,
    Relation,
    SpecialGroup,
    Tier,
    VisitMethod,
)
from students.models.household import Household, HouseholdMember, SpecialGroupFlag
from students.models.official import OfficialList, OfficialListEntry
from students.models.student import ON_ROLL, Identification, Student
from students.models.visit import HomeVisit, HomeVisitPhoto

__all__ = [
    "ETHNIC_GROUPS",
    "ON_ROLL",
    "AccountKind",
    "BigExpense",
    "EnrolmentStatus",
    "Gender",
    "Health",
    "HomeVisit",
    "HomeVisitPhoto",
    "Household",
    "HouseholdMember",
    "Housing",
    "Hukou",
    "Identification",
    "IncomeSource",
    "OfficialList",
    "OfficialListEntry",
    "Relation",
    "SpecialGroup",
    "SpecialGroupFlag",
    "Student",
    "Tier",
    "VisitMethod",
]
