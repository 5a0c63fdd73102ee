"""Writes to the organisation: counties, schools, school years with their terms, classes."""

from datetime import date

from django.db import transaction

from aidsys.models import County, School, SchoolClass, SchoolYear, Term
from aidsys.services.writes import instance_create, instance_update


def county_create(*, actor, code: str, name: str, notice_working_days: int = 5) -> County:
    return instance_create(actor=actor, instance=County(code=code, name=name, notice_working_days=notice_working_days))


def school_create(*, actor, county: County, code: str, name: str, stages: list[str], address: str = "") -> School:
    return instance_create(
        actor=actor, instance=School(county=county, code=code, name=name, stages=stages, address=address)
    )


def school_set_current_term(*, actor, school: School, term: Term) -> dict:
    return instance_update(actor=actor, instance=school, data={"current_term": term})


@transaction.atomic
def school_year_create(*, actor, start_year: int, autumn: tuple[date, date], spring: tuple[date, date]) -> SchoolYear:
    """A school year comes with its two terms: autumn in start_year, spring in the next."""
    year = instance_create(actor=actor, instance=SchoolYear(start_year=start_year))
    for kind, (start, end) in ((Term.Kind.AUTUMN, autumn), (Term.Kind.SPRING, spring)):
        instance_create(actor=actor, instance=Term(school_year=year, kind=kind, start=start, end=end))
    return year


def school_class_create(
    *, actor, school: School, school_year: SchoolYear, grade: int, number: int, class_teacher=None
) -> SchoolClass:
    return instance_create(
        actor=actor,
        instance=SchoolClass(
            school=school, school_year=school_year, grade=grade, number=number, class_teacher=class_teacher
        ),
    )


def school_class_assign_teacher(*, actor, school_class: SchoolClass, class_teacher) -> dict:
    return instance_update(actor=actor, instance=school_class, data={"class_teacher": class_teacher})
