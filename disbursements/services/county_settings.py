"""资金发放设置: what a county decides about paying its schools' aid, kept by the county's staff.

Whether a batch may be approved ahead of the funds received (with its reason), whether a bank book
(存折) may be a payment account, and the complaint telephones the families' notices print: the
county's and each school's.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aidsys import cn
from aidsys.models import County, School
from aidsys.scope import can_act_for_county
from aidsys.services.writes import instance_update
from aidsys.transitions import require


def telephone_error(*, owner, phone: str) -> str | None:
    """Why `phone` cannot be the complaint telephone of `owner` (a county or a school), naming it; None if it can."""
    if not phone:
        return None
    try:
        cn.normalize_telephone(phone)
    except ValidationError as error:
        return _("Complaint telephone of {owner}: {problem}").format(owner=owner, problem=" ".join(error.messages))
    return None


@transaction.atomic
def county_payment_settings_update(
    *,
    actor,
    county: County,
    payment_advance_allowed: bool,
    bank_book_allowed: bool,
    complaint_phone: str,
    school_phones: dict[int, str],
) -> dict:
    """Set the county's allowances and complaint telephone and its schools' complaint telephones.

    `school_phones` maps a school's id to its telephone ("" for none); schools not named keep theirs.
    Telephones are stored as cn.normalize_telephone writes them. All or nothing: one telephone that
    is not one refuses the whole change. Returns the changes, {"county": {...}, school id: {...}}.
    """
    require(can_act_for_county(actor, county))
    schools = {school.pk: school for school in School.objects.filter(county=county, pk__in=school_phones)}
    require(set(schools) == set(school_phones))

    errors = []
    message = telephone_error(owner=county, phone=complaint_phone.strip())
    if message:
        errors.append(ValidationError(message, code="telephone"))
    for pk, phone in school_phones.items():
        message = telephone_error(owner=schools[pk], phone=phone.strip())
        if message:
            errors.append(ValidationError(message, code="telephone"))
    if errors:
        raise ValidationError(errors)

    def stored(phone: str) -> str:
        return cn.normalize_telephone(phone) if phone.strip() else ""

    changes = {}
    county_changes = instance_update(
        actor=actor,
        instance=county,
        data={
            "payment_advance_allowed": payment_advance_allowed,
            "bank_book_allowed": bank_book_allowed,
            "complaint_phone": stored(complaint_phone),
        },
    )
    if county_changes:
        changes["county"] = county_changes
    for pk, school in sorted(schools.items()):
        school_changes = instance_update(
            actor=actor, instance=school, data={"complaint_phone": stored(school_phones[pk])}
        )
        if school_changes:
            changes[pk] = school_changes
    return changes
