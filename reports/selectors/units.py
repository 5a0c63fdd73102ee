"""Whose figures a report holds: the schools of a county (all, or those chosen) or one school.

Every report starts here, so scope is decided once: county staff read their county's schools, a
school's aid office and principal their own school; anything else is not found (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _

from aidsys.models import County, School, SchoolYear, Stage, Term, grade_stage
from aidsys.scope import can_act_for_county, can_read_school_rosters
from applications.models import FundingSource
from students.models import Tier

ZERO = Decimal("0.00")
STAGE_ORDER = [value for value, _label in Stage.choices]
SOURCE_ORDER = [value for value, _label in FundingSource.choices]
# Tiers an award is given in (不困难 is identified, never awarded).
AWARD_TIERS = [tier for tier in Tier if tier != Tier.NOT_DIFFICULT]


@dataclass
class Units:
    county: County
    schools: list[School]
    # The one school asked for (its classes), or None for the county.
    school: School | None = None

    @property
    def name(self) -> str:
        return self.school.name if self.school else self.county.name

    @property
    def school_ids(self) -> list[int]:
        return [school.pk for school in self.schools]


def units_for(request) -> Units:
    """The schools the request covers, in scope or 404."""
    user = request.user
    if request.school_id:
        school = School.objects.select_related("county").filter(pk=request.school_id).first()
        if school is None or not can_read_school_rosters(user, school):
            raise Http404
        return Units(county=school.county, schools=[school], school=school)
    county = County.objects.filter(pk=request.county_id).first() if request.county_id else None
    if county is None or not can_act_for_county(user, county):
        raise Http404
    schools = School.objects.filter(county=county).order_by("code")
    if request.school_ids:
        schools = schools.filter(pk__in=request.school_ids)
    return Units(county=county, schools=list(schools))


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part ÷ whole as a Decimal to four places, or None where there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def source_key(source: str) -> str:
    return f"source_{source or 'none'}"


def source_label(source: str) -> str:
    return str(dict(FundingSource.choices).get(source, "")) or _("Not attributed")


def term_of(request) -> Term | None:
    return Term.objects.select_related("school_year").filter(pk=request.term_id).first() if request.term_id else None


def school_year_of(request) -> SchoolYear | None:
    if request.school_year_id:
        return SchoolYear.objects.filter(pk=request.school_year_id).first()
    term = term_of(request)
    return term.school_year if term else None


def term_labels(term_ids) -> dict[int, str]:
    return {term.pk: str(term) for term in Term.objects.select_related("school_year").filter(pk__in=set(term_ids))}


def stage_of_grade(grade: int | None) -> str:
    return grade_stage(grade).value if grade else ""
