"""Test data for objections: a running notice of a roster with a standard and a quota, and objections to it."""

from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aidsys.models import Membership, Role
from publicity.models import Objection, PublicNotice
from publicity.services import objections as services
from tests.factories import AidProgramFactory, MembershipFactory, ProgramStandardFactory, QuotaFactory, UserFactory
from tests.publicity.notice_data import make_notice, signed_roster

OBJECTION_TEXT = "王小明家里新盖了三层楼房，父母都在外地打工，不应评为特别困难。"


def aid_program(cast, *, shows_amount=True):
    """A program with the standard (1250 a year: 625.00 a term, any tier) and a quota of 10 awards."""
    program = AidProgramFactory(county=cast.county, name="义务教育生活补助", notice_shows_amount=shows_amount)
    ProgramStandardFactory(program=program, school_year=cast.school_year, amount_per_year=Decimal("1250.00"))
    QuotaFactory(program=program, term=cast.term, school=cast.school, awards=10)
    return program


def running_notice(cast, *, shows_amount=True, **kwargs) -> PublicNotice:
    """A published notice whose period runs today, of the four students of notice_data."""
    program = aid_program(cast, shows_amount=shows_amount)
    return make_notice(cast, signed_roster(cast, program=program), **kwargs)


def entry_named(notice: PublicNotice, name: str):
    return notice.entries.get(name=name)


def lodge(notice, *, entry=None, text=OBJECTION_TEXT, address="203.0.113.7", name="", contact="") -> Objection:
    return services.objection_lodge(
        notice=notice,
        entry_id=entry.pk if entry else None,
        name=name,
        contact=contact,
        text=text,
        address=services.address_hash(address),
    )


def lodge_url(notice) -> str:
    return reverse("publicity:objection_lodge", args=[notice.token])


def visitor(address="203.0.113.7") -> Client:
    return Client(REMOTE_ADDR=address)


def move_lodged(objections, *, by: timedelta) -> None:
    """As if the objections had been lodged `by` earlier (test set-up writes the rows directly)."""
    for objection in objections:
        Objection.objects.filter(pk=objection.pk).update(lodged_at=objection.lodged_at - by)
        objection.refresh_from_db()


def aid_office_of(school, username="sun"):
    """Another school's aid office: a neighbour who must not see this school's objections."""
    user = UserFactory(username=username, full_name="孙老师")
    MembershipFactory(user=user, role=Role.AID_OFFICE, school=school)
    return user


def set_deadline(objection: Objection, days_from_today: int) -> Objection:
    Objection.objects.filter(pk=objection.pk).update(deadline=timezone.localdate() + timedelta(days=days_from_today))
    objection.refresh_from_db()
    return objection


def staff_of(school, role) -> list:
    return [m.user for m in Membership.objects.active().filter(school=school, role=role)]
