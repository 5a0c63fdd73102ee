"""The cast (STYLE.md rule 11): one user per role, and an outsider who must see nothing.

青山县 (county) has 实验小学 (school) with 一年级(1)班 taught by 王老师 and 一年级(2)班 taught by
nobody, and 第二小学 (sibling_school). 白水县 (other_county) has 白水小学 (other_school), where 钱老师
(outsider) teaches.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from aidsys.models import County, Role, School, SchoolClass, SchoolYear, Term, User
from tests.factories import (
    TEST_PASSWORD,
    CountyFactory,
    MembershipFactory,
    SchoolClassFactory,
    SchoolFactory,
    SchoolYearFactory,
    TermFactory,
    UserFactory,
)

pytest_plugins = ["tests.plugins.browser", "tests.plugins.services"]


# The suite's "today": every test runs on Monday 23 November 2026, 10:00 in the project's time
# zone (the autumn term of the cast's school year, a working day), whatever day the machine says.
# The clock still ticks from there, so timeouts and waits behave; a test about another day moves
# it with `today_is(day)` or time-machine's own `time_machine.move_to(...)`.
TODAY = date(2026, 11, 23)


def ten_in_the_morning(day: date) -> datetime:
    from django.conf import settings

    return datetime.combine(day, time(10), tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture(autouse=True)
def today_is(time_machine):
    """today_is(day) makes `day` today (10:00 in the project's time zone) for the rest of the test."""

    def set_today(day: date) -> date:
        time_machine.move_to(ten_in_the_morning(day), tick=True)
        return day

    set_today(TODAY)
    return set_today


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """PBKDF2 at full strength costs a quarter second a user; the tests are about roles, not hashing."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Cast:
    county: County
    other_county: County
    school: School
    sibling_school: School
    other_school: School
    school_year: SchoolYear
    term: Term
    class_1: SchoolClass
    class_2: SchoolClass
    other_class: SchoolClass
    wang: User  # 班主任 of 一年级(1)班
    li: User  # 资助办
    zhang: User  # 校长
    zhao: User  # 县资助中心
    admin: User
    outsider: User  # a class teacher of 白水小学, another county's school
    password: str = TEST_PASSWORD

    def by_role(self) -> dict[str, User]:
        return {
            "class_teacher": self.wang,
            "aid_office": self.li,
            "principal": self.zhang,
            "county_staff": self.zhao,
            "admin": self.admin,
            "outsider": self.outsider,
        }


@pytest.fixture
def cast(db) -> Cast:
    county = CountyFactory(code="439901", name="青山县")
    other_county = CountyFactory(code="439902", name="白水县")
    school_year = SchoolYearFactory(start_year=2026)
    term = TermFactory(school_year=school_year, kind=Term.Kind.AUTUMN)
    TermFactory(school_year=school_year, kind=Term.Kind.SPRING, start=date(2027, 2, 22), end=date(2027, 7, 9))
    school = SchoolFactory(county=county, code="4399010001", name="青山县实验小学", current_term=term)
    sibling_school = SchoolFactory(county=county, code="4399010009", name="青山县第二小学", current_term=term)
    other_school = SchoolFactory(county=other_county, code="4399020001", name="白水县白水小学", current_term=term)

    wang = UserFactory(username="wang", full_name="王老师")
    li = UserFactory(username="li", full_name="李老师")
    zhang = UserFactory(username="zhang", full_name="张校长")
    zhao = UserFactory(username="zhao", full_name="赵科长")
    outsider = UserFactory(username="qian", full_name="钱老师")
    admin = UserFactory(username="admin", full_name="系统管理员", is_superuser=True, is_staff=True)
    MembershipFactory(user=wang, role=Role.CLASS_TEACHER, school=school)
    MembershipFactory(user=li, role=Role.AID_OFFICE, school=school)
    MembershipFactory(user=zhang, role=Role.PRINCIPAL, school=school)
    MembershipFactory(user=zhao, role=Role.COUNTY_STAFF, school=None, county=county)
    MembershipFactory(user=outsider, role=Role.CLASS_TEACHER, school=other_school)

    class_1 = SchoolClassFactory(school=school, school_year=school_year, grade=21, number=1, class_teacher=wang)
    class_2 = SchoolClassFactory(school=school, school_year=school_year, grade=21, number=2)
    other_class = SchoolClassFactory(
        school=other_school, school_year=school_year, grade=21, number=1, class_teacher=outsider
    )
    return Cast(
        county=county,
        other_county=other_county,
        school=school,
        sibling_school=sibling_school,
        other_school=other_school,
        school_year=school_year,
        term=term,
        class_1=class_1,
        class_2=class_2,
        other_class=other_class,
        wang=wang,
        li=li,
        zhang=zhang,
        zhao=zhao,
        admin=admin,
        outsider=outsider,
    )


@pytest.fixture
def client_for(client):
    """client_for(user) signs the test client in as that user."""

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


@pytest.fixture(autouse=True)
def audit_key_of_the_test(settings, tmp_path):
    """Anchors are signed with a key of the test's own; none is ever made in the work tree."""
    settings.AIDSYS_AUDIT_KEY = "test-audit-key-" + "0123456789abcdef" * 2
    settings.AIDSYS_AUDIT_KEY_FILE = tmp_path / "audit.key"


@pytest.fixture(autouse=True)
def jobs_run_inline(settings):
    """Without a broker a job runs in the request, as eager Celery does; tests of the job threads switch it off."""
    settings.AIDSYS_JOBS_INLINE = True


@pytest.fixture(autouse=True)
def media_in_a_temporary_folder(settings, tmp_path):
    """Uploads (photos, import files) go to a folder of the test's own, never into the work tree, nor into
    a bucket that the shell's AIDSYS_STORAGE_URL names (`s3` tests take a bucket of their own: s3_bucket)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
