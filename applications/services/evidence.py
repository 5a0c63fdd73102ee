"""The score sees the evidence: a certificate attached to an application (低保证, 特困证, 残疾证) is
offered as the source of the special group it proves, so that the hardship score counts it.

The score reads the household's special groups only (`reviews.scoring`): a certificate counts once a
person who keeps the student's records has recorded its group, with one click, through the registry's
service (`students.services.special_group_set`, audited), the certificate named as the flag's source.
A 残疾证 may be the student's or a parent's: both groups are offered, the reviewer picks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aidsys.scope import can_keep_records
from applications.models import Attachment, AttachmentKind
from students.models import SpecialGroup, SpecialGroupFlag, Student
from students.services import special_group_set

CERTIFICATE_GROUPS = {
    AttachmentKind.SUBSISTENCE_CERTIFICATE: (SpecialGroup.MINIMUM_LIVING,),
    AttachmentKind.EXTREME_POVERTY_CERTIFICATE: (SpecialGroup.EXTREME_POVERTY,),
    AttachmentKind.DISABILITY_CERTIFICATE: (SpecialGroup.DISABLED_STUDENT, SpecialGroup.CHILD_OF_DISABLED),
}


@dataclass(frozen=True)
class CertificateOffer:
    attachment: Attachment
    groups: tuple[SpecialGroup, ...]


def certificate_offers_by_student(*, user, students) -> dict[int, list[CertificateOffer]]:
    """For each student: the certificates attached to their applications whose group is not recorded yet,
    newest first, one per kind; nothing for a student whose special groups the user may not record.
    One query for all the students (their households' special groups are read as prefetched, if they are)."""
    keepers = {
        student.pk: student
        for student in students
        if can_keep_records(user, student.school_id, student.school_class_id)
    }
    if not keepers:
        return {}
    recorded = {pk: {flag.group for flag in student.household.special_groups.all()} for pk, student in keepers.items()}
    attachments = (
        Attachment.objects.visible_to(user)
        .filter(application__student_id__in=list(keepers), kind__in=list(CERTIFICATE_GROUPS))
        .select_related("application")
        .order_by("-uploaded_at", "-pk")
    )
    offers: dict[int, list[CertificateOffer]] = {}
    kinds: dict[int, set] = {}
    for attachment in attachments:
        student_pk = attachment.application.student_id
        groups = CERTIFICATE_GROUPS[attachment.kind]
        if attachment.kind in kinds.setdefault(student_pk, set()) or recorded[student_pk] & set(groups):
            continue
        kinds[student_pk].add(attachment.kind)
        offers.setdefault(student_pk, []).append(CertificateOffer(attachment=attachment, groups=groups))
    return offers


def certificate_offers(*, user, student: Student) -> list[CertificateOffer]:
    return certificate_offers_by_student(user=user, students=[student]).get(student.pk, [])


@transaction.atomic
def special_group_from_certificate(*, actor, attachment: Attachment, group: str) -> SpecialGroupFlag:
    """Record the group the attached certificate proves, the certificate as its source (audited by the
    registry's service). A group already recorded stays as it is (a second click changes nothing)."""
    student = attachment.application.student
    if not can_keep_records(actor, student.school_id, student.school_class_id):
        raise PermissionDenied
    if group not in CERTIFICATE_GROUPS.get(attachment.kind, ()):
        raise ValidationError(
            _("A {certificate} does not prove this special group.").format(certificate=attachment.get_kind_display())
        )
    existing = SpecialGroupFlag.objects.filter(household_id=student.household_id, group=group).first()
    if existing is not None:
        return existing
    application = attachment.application
    note = _("{certificate} attached to the application for {program}, {term}, on {date}").format(
        certificate=attachment.get_kind_display(),
        program=application.program,
        term=application.term,
        date=attachment.uploaded_at.date().isoformat(),
    )
    return special_group_set(
        actor=actor,
        household=student.household,
        group=group,
        source=SpecialGroupFlag.Source.CERTIFICATE,
        note=note[:200],
    )
