"""Test data for notices: a signed roster of approved applications, and notices made from it.

The students carry every kind of private data (身份证号, birth date, guardian's phone, address, card
number) so that a test can check that none of it reaches a notice.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from publicity.models import PublicNotice
from publicity.services import notices
from reviews.models import RosterSignoff
from tests.factories import AidProgramFactory, ApplicationFactory, HouseholdFactory, StudentFactory, make_id_number

# (name, class attribute of the cast, tier, amount, birth date, guardian's phone, address, card number)
STUDENTS = [
    ("赵小雨", "class_2", "difficult", "625.00", date(2019, 4, 12),
     "13800138001", "青山镇枫树村三组12号", "6217003320001234567"),
    ("王小明", "class_1", "especially_difficult", "625.00", date(2019, 9, 3),
     "13912345678", "青山镇桃源村五组8号", "6228480402564890018"),
    ("艾米", "class_1", "difficult", "625.00", date(2020, 1, 21),
     "13700001111", "青山镇竹林村一组3号", "6212261202011234568"),
    ("曾小红", "class_1", "generally_difficult", "500.00", date(2019, 11, 30),
     "13600002222", "青山镇石桥村二组9号", "6230520460001234569"),
]  # fmt: skip


def approved_application(cast, program, *, name, school_class, tier="difficult", amount="625.00", **private):
    household = HouseholdFactory(address_detail=private.pop("address", ""))
    student = StudentFactory(name=name, school_class=school_class, household=household, **private)
    return ApplicationFactory(
        student=student,
        program=program,
        term=cast.term,
        status="approved",
        approved_tier=tier,
        requested_tier=tier,
        recommended_tier=tier,
        amount=Decimal(amount),
        filed_by=cast.wang,
    )


def signed_roster(cast, *, program=None, shows_amount=False, students=STUDENTS, school=None) -> RosterSignoff:
    program = program or AidProgramFactory(
        county=cast.county, name="义务教育生活补助", notice_shows_amount=shows_amount
    )
    for name, class_attr, tier, amount, birth, phone, address, card in students:
        approved_application(
            cast,
            program,
            name=name,
            school_class=getattr(cast, class_attr),
            tier=tier,
            amount=amount,
            birth_date=birth,
            id_number=make_id_number(birth),
            guardian_phone=phone,
            address=address,
            account_kind="bank_card",
            account_number=card,
        )
    now = timezone.now()
    return RosterSignoff.objects.create(
        school=school or cast.school,
        program=program,
        term=cast.term,
        status="signed",
        version=1,
        submitted_by=cast.li,
        submitted_at=now,
        decided_by=cast.zhang,
        decided_at=now,
    )


def make_notice(cast, signoff=None, *, start=None, days=5, publish=True, **kwargs) -> PublicNotice:
    signoff = signoff or signed_roster(cast, **kwargs)
    notice = notices.notice_create(
        actor=cast.li,
        signoff=signoff,
        start_date=start or timezone.localdate(),
        working_days=days,
        places=["school_board", "class"],
        contact_office="学校资助管理办公室",
        contact_phone="0731-12345678",
    )
    if publish:
        notice = notices.notice_publish(actor=cast.li, notice=notice)
    return notice


def move_period(notice: PublicNotice, *, ended_days_ago: int = 0, starts_in: int | None = None) -> PublicNotice:
    """Shift a notice's period as if time had passed (test set-up writes the row directly)."""
    today = timezone.localdate()
    if starts_in is not None:
        start = today + timedelta(days=starts_in)
        end = start + timedelta(days=7)
    else:
        end = today - timedelta(days=ended_days_ago)
        start = end - timedelta(days=7)
    PublicNotice.objects.filter(pk=notice.pk).update(start_date=start, end_date=end)
    notice.refresh_from_db()
    return notice


def supplementary_removing_a_line(cast, *, reason: str = "") -> PublicNotice:
    """A published supplementary notice of a two-line notice that removes its first line, for the reason given."""
    original = make_notice(cast, students=STUDENTS[:2])
    supplementary = PublicNotice.objects.create(
        school=original.school,
        program=original.program,
        term=original.term,
        signoff=original.signoff,
        signoff_version=original.signoff_version,
        kind="supplementary",
        supplements=original,
        status="published",
        start_date=original.start_date,
        working_days=5,
        end_date=original.end_date,
        places=["school_board"],
        contact_office="资助办",
        contact_phone="0731-12345678",
        created_by=cast.li,
        created_at=timezone.now(),
    )
    entry = original.entries.first()
    supplementary.entries.create(
        position=1,
        application=entry.application,
        name=entry.name,
        class_name=entry.class_name,
        tier=entry.tier,
        tier_label=entry.tier_label,
        program_name=entry.program_name,
        change="removed",
        change_reason=reason,
    )
    return supplementary
