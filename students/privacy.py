"""Sensitive registry data: masked by default everywhere, revealed one field at a time (DESIGN.md §5).

Every screen, export and PDF takes a student's sensitive values from here. Revealing one is a
permission (`students.reveal_sensitive`) on a student in the user's scope, and an audit event.
"""

from django.utils.translation import gettext_lazy as _

from aidsys import cn
from students.models import Health, Student

MASK = "****"


def mask_address(township: str, rest: str) -> str:
    """The township stays (it says little); the village and house do not."""
    return f"{township}{MASK}" if rest else township


def _address(student: Student) -> str:
    household = student.household
    return household.full_address


def _masked_address(student: Student) -> str:
    household = student.household
    return mask_address(household.township, f"{household.village}{household.address_detail}")


def _income(student: Student) -> str:
    value = student.household.per_capita_income()
    return "" if value is None else f"{value:,.2f}"


def _health(student: Student) -> str:
    """Family members' illness or disability, then what home visits found, newest first."""
    parts = []
    for member in student.household.members.all():
        if member.health != Health.HEALTHY or member.health_note:
            note = f"，{member.health_note}" if member.health_note else ""
            parts.append(f"{member.name}（{member.get_relation_display()}）：{member.get_health_display()}{note}")
    for visit in sorted(student.visits.all(), key=lambda visit: visit.visited_on, reverse=True):
        if visit.health_disability:
            parts.append(
                _("home visit of {date}: {finding}").format(
                    date=visit.visited_on.isoformat(), finding=visit.health_disability
                )
            )
    return "；".join(str(part) for part in parts)


def mask_student_number(number: str) -> str:
    """The national 学籍号 is G followed by the 身份证号: it is masked like the ID number itself."""
    if not number:
        return ""
    prefix = number[: len(number) - 18] if len(number) > 18 else ""
    return prefix + cn.mask_id_number(number[len(prefix) :])


# field name → (label, full value, masked value)
SENSITIVE_FIELDS = {
    "id_number": (_("ID number"), lambda s: s.id_number, lambda s: cn.mask_id_number(s.id_number)),
    "student_number": (
        _("student number"),
        lambda s: s.student_number,
        lambda s: mask_student_number(s.student_number),
    ),
    "guardian_phone": (
        _("guardian's phone"),
        lambda s: s.guardian_phone,
        lambda s: cn.mask_mobile(s.guardian_phone) if s.guardian_phone else "",
    ),
    "account_number": (
        _("account number"),
        lambda s: s.account_number,
        lambda s: cn.mask_account_number(s.account_number),
    ),
    "address": (_("home address"), _address, _masked_address),
    "income": (_("per-capita annual income"), _income, lambda s: MASK if _income(s) else ""),
    "health": (_("health and disability"), _health, lambda s: MASK if _health(s) else ""),
}


def masked_value(student: Student, field: str) -> str:
    return SENSITIVE_FIELDS[field][2](student)


def full_value(student: Student, field: str) -> str:
    return SENSITIVE_FIELDS[field][1](student)
