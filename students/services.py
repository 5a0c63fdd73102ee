"""Writes to the registry. Each is one transaction and leaves its audit event."""

import io
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ImageOps, UnidentifiedImageError

from aidsys import cn
from aidsys.images import open_image
from aidsys.scope import can_keep_records, can_reveal
from aidsys.services.audit import Action, audit_record
from aidsys.services.writes import instance_create, instance_delete, instance_update, instances_create
from aidsys.storage import kept_files
from students import privacy
from students.models import (
    AccountKind,
    Health,
    HomeVisit,
    HomeVisitPhoto,
    Household,
    HouseholdMember,
    Identification,
    OfficialList,
    OfficialListEntry,
    Relation,
    SpecialGroupFlag,
    Student,
)

# Photos from a phone camera are several megabytes; this keeps them legible and small.
PHOTO_MAX_SIDE = 1600
PHOTO_QUALITY = 80
PHOTO_MAX_UPLOAD_BYTES = 15 * 1024 * 1024


def household_create(*, actor, school, township: str = "", village: str = "", address_detail: str = "") -> Household:
    """A new household, for a student of `school` (whose trail the creation event joins)."""
    return instance_create(
        actor=actor,
        instance=Household(township=township, village=village, address_detail=address_detail),
        school=school,
    )


def household_update(*, actor, household: Household, data: dict) -> dict:
    return instance_update(actor=actor, instance=household, data=data)


# A member's details that a duplicate may fill where the member kept has none.
MEMBER_DETAILS = ("id_number", "age", "occupation", "health_note", "annual_income")


def _same_person(kept: HouseholdMember, other: HouseholdMember) -> bool:
    """Two rows of one person: the same 身份证号 where both have one, else the same name and relation."""
    if kept.id_number and other.id_number:
        return kept.id_number == other.id_number
    return (kept.name, kept.relation) == (other.name, other.relation)


def _stronger_flag(one: SpecialGroupFlag, other: SpecialGroupFlag) -> SpecialGroupFlag:
    """Of two flags of one group, the one to keep: an official list's over a hand entry, the newer list's."""
    if one.from_official_list != other.from_official_list:
        return one if one.from_official_list else other
    if one.from_official_list and (other.list_date or date.min) > (one.list_date or date.min):
        return other
    return one


@transaction.atomic
def household_join(*, actor, student: Student, sibling: Student, reason: str) -> Household:
    """Brothers and sisters at school are one family: `sibling` (and any other student of their
    household) joins `student`'s household, so that the family's members, income and special
    groups are counted once for both.

    The other household's members and special groups move over. One person on both sides (the same
    身份证号, or the same name and relation where an ID is missing) is kept once: the row kept takes
    the details only the other had, and the official lists that matched the other now name it. One
    group on both sides is kept once: an official list's flag over a hand entry, the newer list's
    over the older. Each student gets a member row linked to their registry row. The emptied
    household is removed. Every step is audited with the reason. The actor must be allowed to edit
    every student who moves.
    """
    household = Household.objects.select_for_update().get(pk=student.household_id)
    other = Household.objects.select_for_update().get(pk=sibling.household_id)
    if household.pk == other.pk:
        raise ValidationError(
            _("{sibling} already belongs to the same household as {student}.").format(
                sibling=sibling.name, student=student.name
            )
        )
    moving = list(Student.objects.filter(household=other).select_related("school_class"))
    if not all(can_keep_records(actor, child.school_id, child.school_class_id) for child in [student, *moving]):
        raise PermissionDenied(_("Another student of that household is not yours to edit; ask the aid office."))
    note = _("households joined: {reason}").format(reason=reason)
    members = list(household.members.all())
    for member in other.members.all():
        kept = next(
            (m for m in members if m.student_id is None and member.student_id is None and _same_person(m, member)), None
        )
        if kept is None:
            instance_update(actor=actor, instance=member, data={"household": household}, reason=note)
            members.append(member)
            continue
        details = {name: getattr(member, name) for name in MEMBER_DETAILS if getattr(member, name) not in (None, "")}
        details = {name: value for name, value in details.items() if getattr(kept, name) in (None, "")}
        if kept.health == Health.HEALTHY and member.health != Health.HEALTHY:
            details["health"] = member.health
        if details:
            instance_update(actor=actor, instance=kept, data=details, reason=note)
        for entry in OfficialListEntry.objects.filter(matched_member=member):
            instance_update(actor=actor, instance=entry, data={"matched_member": kept}, reason=note)
        instance_delete(actor=actor, instance=member, reason=note)
    flags = {flag.group: flag for flag in household.special_groups.all()}
    for flag in other.special_groups.all():
        present = flags.get(flag.group)
        if present is not None and _stronger_flag(present, flag) is present:
            instance_delete(actor=actor, instance=flag, reason=note)
            continue
        if present is not None:
            instance_delete(actor=actor, instance=present, reason=note)
        instance_update(actor=actor, instance=flag, data={"household": household}, reason=note)
        flags[flag.group] = flag
    for child in moving:
        instance_update(actor=actor, instance=child, data={"household": household}, reason=note)
    for child in Student.objects.filter(household=household, as_member__isnull=True):
        member = HouseholdMember(household=household, name=child.name, relation=Relation.SELF, student=child)
        instance_create(actor=actor, instance=member, reason=note)
    instance_delete(actor=actor, instance=other, reason=note)
    return household


def student_create(*, actor, household: Household, **fields) -> Student:
    return instance_create(actor=actor, instance=Student(household=household, **fields))


def households_create(*, actor, school, households: list[dict]) -> list[Household]:
    """Many new households at once (a roster import), each with its own audit event."""
    return instances_create(actor=actor, instances=[Household(**fields) for fields in households], school=school)


def students_create(*, actor, school, students: list[dict]) -> list[Student]:
    """Many new students at once, for a caller that has checked their uniqueness (the roster import)."""
    return instances_create(
        actor=actor, instances=[Student(school=school, **fields) for fields in students], school=school
    )


# The payment account: checked together whenever one of them changes.
ACCOUNT_FIELDS = (
    "account_kind",
    "account_number",
    "account_holder",
    "account_bank",
    "account_holder_relation",
    "account_holder_reason",
)
CARD_KINDS = (AccountKind.BANK_CARD, AccountKind.AID_CARD, AccountKind.SOCIAL_SECURITY_CARD)


def _holder_is_the_student(relation: str) -> bool:
    return relation in ("", Relation.SELF)


def account_checked(*, student: Student, values: dict) -> dict:
    """The account `values` (ACCOUNT_FIELDS) as they will be stored, or a ValidationError per field.

    A card (bank, aid, social security) has 16 to 19 digits and passes the Luhn check; a bank book is
    accepted only where the student's county allows it. The holder is the student, or a guardian
    whose relation and the reason are given (一人一卡: the card is the family's, never the school's).
    One account serves one household: the same number recorded for a student of another household
    is refused, naming that student's class only.
    """
    values = dict(values)
    errors = {}
    kind, number = values["account_kind"], "".join((values["account_number"] or "").split())
    if number and not kind:
        errors["account_kind"] = _("Say what kind of account the number belongs to.")
    if kind in CARD_KINDS and number:
        try:
            number = cn.normalize_card_number(number)
        except ValidationError as error:
            errors["account_number"] = error.messages
    elif kind == AccountKind.BANK_BOOK:
        if not student.school.county.bank_book_allowed:
            errors["account_kind"] = _(
                "{county} does not accept bank books: the aid is paid onto a card in the student's or a "
                "guardian's name."
            ).format(county=student.school.county.name)
        elif number and not number.isdigit():
            errors["account_number"] = _("An account number has digits only.")
    values["account_number"] = number
    if kind and not number:
        errors["account_number"] = _("Give the account number.")
    relation = values["account_holder_relation"]
    if _holder_is_the_student(relation):
        values["account_holder_relation"] = ""
        values["account_holder_reason"] = ""
        if number and values["account_holder"] and values["account_holder"] != student.name:
            errors["account_holder_relation"] = _(
                "The account is in the name of {holder}, not of {student}: say how the holder is related to the "
                "student and why the account is not the student's own."
            ).format(holder=values["account_holder"], student=student.name)
        elif number:
            values["account_holder"] = student.name
    elif number:
        if not values["account_holder"]:
            errors["account_holder"] = _("Give the name of the guardian who holds the account.")
        if not (values["account_holder_reason"] or "").strip():
            errors["account_holder_reason"] = _(
                "Say why the aid goes to a guardian's account and not to the student's own."
            )
    if number and "account_number" not in errors:
        elsewhere = (
            Student.objects.filter(account_number=number)
            .exclude(household_id=student.household_id)
            .select_related("school_class", "school")
            .first()
        )
        if elsewhere is not None:
            where = str(elsewhere.school_class) if elsewhere.school_class_id else _("no class")
            if elsewhere.school_id != student.school_id:
                where = f"{elsewhere.school.name} {where}"
            errors["account_number"] = _(
                "This account is already recorded for a student of another household ({where}). One account "
                "serves one household only: ask the family for the student's own card."
            ).format(where=where)
    if errors:
        raise ValidationError(errors)
    return values


def student_update(*, actor, student: Student, data: dict, reason: str = "") -> dict:
    """A change of the student's details; a new enrolment status dates from today unless `data` says when.

    A change of the payment account is checked as a whole (`account_checked`); the change is audited
    with the account number masked. Batches already made keep their own copy of the account."""
    if "status" in data and data["status"] != student.status and "status_since" not in data:
        data = {**data, "status_since": timezone.localdate()}
    if any(name in data and data[name] != getattr(student, name) for name in ACCOUNT_FIELDS):
        values = {name: data.get(name, getattr(student, name)) for name in ACCOUNT_FIELDS}
        data = {**data, **account_checked(student=student, values=values)}
    return instance_update(actor=actor, instance=student, data=data, reason=reason)


def student_status_change(*, actor, student: Student, status: str, since, reason: str) -> dict:
    """学籍变动 (转出, 休学, 毕业, back on roll): the status and the day it took effect, with the reason."""
    if status == student.status and since == student.status_since:
        raise ValidationError({"status": _("The student already has this status from this day.")})
    return instance_update(actor=actor, instance=student, data={"status": status, "status_since": since}, reason=reason)


def member_add(*, actor, household: Household, **fields) -> HouseholdMember:
    return instance_create(actor=actor, instance=HouseholdMember(household=household, **fields))


def member_update(*, actor, member: HouseholdMember, data: dict) -> dict:
    return instance_update(actor=actor, instance=member, data=data)


def member_health_reveal(*, actor, member: HouseholdMember) -> None:
    """The member's health and disability shown in full (on the member's edit page); the showing is an audit event."""
    if not can_reveal(actor):
        raise PermissionDenied
    audit_record(actor=actor, action=Action.REVEAL_SENSITIVE, target=member, changes={"field": [None, "health"]})


def member_remove(*, actor, member: HouseholdMember, reason: str = "") -> None:
    instance_delete(actor=actor, instance=member, reason=reason)


def _refuse_official(flag: SpecialGroupFlag) -> None:
    if flag.from_official_list:
        raise ValidationError(
            _("{group} comes from the official list {list}; it is changed only by a newer list.").format(
                group=flag.get_group_display(), list=flag.list_name
            )
        )


@transaction.atomic
def special_group_set(*, actor, household: Household, group: str, source: str, note: str = "") -> SpecialGroupFlag:
    """Flag a household by hand (home visit or the family's declaration). Official flags stay as they are."""
    if source == SpecialGroupFlag.Source.OFFICIAL_LIST:
        raise ValidationError(_("Flags from an official list are set by matching the list, not by hand."))
    existing = SpecialGroupFlag.objects.select_for_update().filter(household=household, group=group).first()
    if existing is not None:
        _refuse_official(existing)
        instance_update(actor=actor, instance=existing, data={"source": source, "note": note})
        return existing
    return instance_create(
        actor=actor,
        instance=SpecialGroupFlag(household=household, group=group, source=source, note=note, recorded_by=actor),
    )


def special_group_remove(*, actor, flag: SpecialGroupFlag, reason: str) -> None:
    _refuse_official(flag)
    instance_delete(actor=actor, instance=flag, reason=reason)


@transaction.atomic
def special_group_set_from_list(
    *, actor, household: Household, group: str, official_list: OfficialList
) -> SpecialGroupFlag:
    """A match on an official list: the flag takes the list's name and date, whatever was there before."""
    data = {
        "source": SpecialGroupFlag.Source.OFFICIAL_LIST,
        "official_list": official_list,
        "list_name": official_list.name,
        "list_date": official_list.list_date,
        "note": "",
    }
    existing = SpecialGroupFlag.objects.select_for_update().filter(household=household, group=group).first()
    if existing is not None:
        if existing.official_list_id and existing.list_date and existing.list_date > official_list.list_date:
            return existing  # an older list does not override a newer one
        instance_update(actor=actor, instance=existing, data=data)
        return existing
    return instance_create(
        actor=actor, instance=SpecialGroupFlag(household=household, group=group, recorded_by=actor, **data)
    )


def _resized_jpeg(upload) -> tuple[ContentFile, int, int]:
    """The photo turned upright, at most PHOTO_MAX_SIDE pixels, as JPEG without its EXIF (and GPS) data."""
    if upload.size > PHOTO_MAX_UPLOAD_BYTES:
        raise ValidationError(_("A photo may be at most 15 MB; this one is larger."))
    try:
        image = open_image(upload)
        image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError):
        raise ValidationError(
            _("“{name}” is not a photo the system can read (JPEG, PNG, WebP or HEIF).").format(name=upload.name)
        ) from None
    image = image.convert("RGB")
    image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    return ContentFile(buffer.getvalue(), name="photo.jpg"), image.width, image.height


def _visit_day(value, school_year) -> date:
    """The visit's day (a date or its ISO text), refused in the future or outside the school year."""
    visited_on = HomeVisit._meta.get_field("visited_on").to_python(value)
    first, last = school_year.days()
    if visited_on is None:
        raise ValidationError({"visited_on": ValidationError(_("Give the date of the visit."), code="required")})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": ValidationError(_("A visit cannot be in the future."), code="future")})
    if not first <= visited_on <= last:
        message = _(
            "{date} is not in the {year} school year ({first} to {last}): a home visit is recorded in the "
            "school year it was made."
        ).format(date=visited_on.isoformat(), year=school_year, first=first.isoformat(), last=last.isoformat())
        raise ValidationError({"visited_on": ValidationError(message, code="visit_outside_school_year")})
    return visited_on


@transaction.atomic
def home_visit_record(*, actor, student: Student, school_year, photos=(), **fields) -> HomeVisit:
    """Record a home visit with its photos. A photo that cannot be read stops the whole visit: nothing is saved.

    The visit counts for `school_year`, so it must have been made within that school year, and not
    after today."""
    fields["visited_on"] = _visit_day(fields.get("visited_on"), school_year)
    prepared = [_resized_jpeg(photo) for photo in photos]
    visit = instance_create(
        actor=actor, instance=HomeVisit(student=student, visitor=actor, school_year=school_year, **fields)
    )
    with kept_files() as kept:
        for content, width, height in prepared:
            photo = HomeVisitPhoto(visit=visit, width=width, height=height)
            kept.save(photo.image, content.name, content, form_field="photos")
            instance_create(actor=actor, instance=photo)
    return visit


def may_read_visit_health(user, visit: HomeVisit) -> bool:
    """The teacher who wrote a visit's health finding reads it back; otherwise it takes the reveal permission."""
    return user.is_authenticated and (visit.visitor_id == user.pk or can_reveal(user))


def home_visit_health_reveal(*, actor, visit: HomeVisit) -> str:
    """One home visit's health finding shown in full, to its author or a user who may reveal; audited."""
    if not may_read_visit_health(actor, visit):
        raise PermissionDenied
    audit_record(
        actor=actor, action=Action.REVEAL_SENSITIVE, target=visit, changes={"field": [None, "health_disability"]}
    )
    return visit.health_disability


def visit_photo_view_record(*, actor, photo: HomeVisitPhoto) -> None:
    """A home-visit photo shown: it shows a family's home (sensitive, DESIGN.md §5), so each showing is recorded."""
    audit_record(actor=actor, action=Action.REVEAL_SENSITIVE, target=photo, changes={"field": [None, "photo"]})


def sensitive_reveal(*, actor, student: Student, field: str, printed_in: str = "") -> str:
    """Show one sensitive value of one student in full; the showing is an audit event. `printed_in`
    names the document the full value is printed on, where it is printed rather than shown."""
    if not can_reveal(actor):
        raise PermissionDenied
    if field not in privacy.SENSITIVE_FIELDS:
        raise ValidationError(_("There is no such field."))
    changes = {"field": [None, field]}
    if printed_in:
        changes["printed_in"] = [None, printed_in]
    audit_record(actor=actor, action=Action.REVEAL_SENSITIVE, target=student, changes=changes)
    return privacy.full_value(student, field)


@transaction.atomic
def identification_set(*, actor, student: Student, school_year, tier: str, decided_on, basis: str) -> Identification:
    """认定: the student's tier for the school year, created or changed; the event keeps before and after."""
    data = {"tier": tier, "decided_on": decided_on, "decided_by": actor, "basis": basis[:200]}
    existing = Identification.objects.select_for_update().filter(student=student, school_year=school_year).first()
    if existing is None:
        return instance_create(actor=actor, instance=Identification(student=student, school_year=school_year, **data))
    instance_update(actor=actor, instance=existing, data=data)
    return existing


@transaction.atomic
def identifications_set(*, actor, school_year, tiers: dict[Student, str], decided_on, basis: str) -> None:
    """`identification_set` for many students at once (a closed notice): the new ones in one batch."""
    existing = {
        identification.student_id: identification
        for identification in Identification.objects.select_for_update().filter(
            school_year=school_year, student__in=[student.pk for student in tiers]
        )
    }
    new = []
    for student, tier in tiers.items():
        if student.pk in existing:
            identification_set(
                actor=actor, student=student, school_year=school_year, tier=tier, decided_on=decided_on, basis=basis
            )
        else:
            new.append(
                Identification(
                    student=student,
                    school_year=school_year,
                    tier=tier,
                    decided_on=decided_on,
                    decided_by=actor,
                    basis=basis[:200],
                )
            )
    if new:
        instances_create(actor=actor, instances=new)
