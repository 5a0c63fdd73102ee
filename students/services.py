"""Writes to the registry."""

from aidsys.services.writes import instance_create
from students.models import Household, Student


def household_create(*, actor, township: str = "", village: str = "", address_detail: str = "") -> Household:
    return instance_create(
        actor=actor, instance=Household(township=township, village=village, address_detail=address_detail)
    )


def student_create(*, actor, household: Household, **fields) -> Student:
    return instance_create(actor=actor, instance=Student(household=household, **fields))
