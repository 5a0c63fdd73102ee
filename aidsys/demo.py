"""The demo organisation: one county, three schools, their classes, one user for each role.

Idempotent: everything is found by its natural key (codes, usernames) and created only when
missing, so a second run changes nothing. Later stages add their part in their own demo.py.
"""

from dataclasses import dataclass, field
from datetime import date

from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Stage, Term, User
from aidsys.services.org import (
    county_create,
    school_class_create,
    school_create,
    school_set_current_term,
    school_year_create,
)
from aidsys.services.people import membership_grant, user_create

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 (printed for the demo on purpose)
COUNTY_CODE = "439901"

SCHOOL_YEARS = {
    2025: ((date(2025, 9, 1), date(2026, 1, 23)), (date(2026, 2, 24), date(2026, 7, 10))),
    2026: ((date(2026, 9, 1), date(2027, 1, 22)), (date(2027, 2, 22), date(2027, 7, 9))),
}

# code, name, stage, grades, classes per grade, address, short username prefix
SCHOOLS = [
    (
        "4399010001",
        "青山县实验小学",
        Stage.PRIMARY,
        [21, 22, 23, 24, 25, 26],
        2,
        "青山县城关镇育才路8号",
        "xx",
    ),
    ("4399010002", "青山县第一初级中学", Stage.JUNIOR, [31, 32, 33], 2, "青山县城关镇学府路16号", "cz"),
    ("4399010003", "青山县第一高级中学", Stage.SENIOR, [41, 42, 43], 2, "青山县城关镇文昌路1号", "gz"),
]

# username suffix, full name, role, per school prefix
SCHOOL_STAFF = {
    "xx": [
        ("teacher", "王老师", Role.CLASS_TEACHER),
        ("aid", "李老师", Role.AID_OFFICE),
        ("principal", "张校长", Role.PRINCIPAL),
    ],
    "cz": [
        ("teacher", "陈老师", Role.CLASS_TEACHER),
        ("aid", "刘老师", Role.AID_OFFICE),
        ("principal", "周校长", Role.PRINCIPAL),
    ],
    "gz": [
        ("teacher", "孙老师", Role.CLASS_TEACHER),
        ("aid", "黄老师", Role.AID_OFFICE),
        ("principal", "吴校长", Role.PRINCIPAL),
    ],
}


@dataclass
class DemoContext:
    """What the core part made, handed to each later stage's demo.seed()."""

    county: County
    schools: list[School]
    school_year: SchoolYear
    term: Term
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def school_prefix(school: School) -> str:
    """The demo usernames' prefix of a demo school (xx_aid is the aid office of the primary school)."""
    return next(prefix for code, *_rest, prefix in SCHOOLS if code == school.code)


def _user(username: str, full_name: str, *, superuser: bool = False) -> User:
    return User.objects.filter(username=username).first() or user_create(
        actor=None, username=username, full_name=full_name, password=DEMO_PASSWORD, is_superuser=superuser
    )


def _grant(user: User, role: str, *, school=None, county=None) -> None:
    if not Membership.objects.active().filter(user=user, role=role, school=school, county=county).exists():
        membership_grant(actor=None, user=user, role=role, school=school, county=county, start=date(2025, 8, 1))


def seed() -> DemoContext:
    county = County.objects.filter(code=COUNTY_CODE).first() or county_create(
        actor=None, code=COUNTY_CODE, name="青山县"
    )
    years = {}
    for start_year, (autumn, spring) in SCHOOL_YEARS.items():
        years[start_year] = SchoolYear.objects.filter(start_year=start_year).first() or school_year_create(
            actor=None, start_year=start_year, autumn=autumn, spring=spring
        )
    school_year = years[2026]
    term = school_year.terms.get(kind=Term.Kind.AUTUMN)

    context = DemoContext(county=county, schools=[], school_year=school_year, term=term)
    admin = _user("admin", "系统管理员", superuser=True)
    context.accounts.append(("admin", admin.full_name, str(Role.ADMIN.label)))
    county_user = _user("county", "赵科长")
    _grant(county_user, Role.COUNTY_STAFF, county=county)
    context.accounts.append(("county", county_user.full_name, f"{Role.COUNTY_STAFF.label}（{county}）"))

    for code, name, stage, grades, per_grade, address, prefix in SCHOOLS:
        school = School.objects.filter(code=code).first() or school_create(
            actor=None, county=county, code=code, name=name, stages=[stage], address=address
        )
        if school.current_term_id != term.pk:
            school_set_current_term(actor=None, school=school, term=term)
        staff = {}
        for suffix, full_name, role in SCHOOL_STAFF[prefix]:
            username = f"{prefix}_{suffix}"
            staff[role] = _user(username, full_name)
            _grant(staff[role], role, school=school)
            context.accounts.append((username, full_name, f"{role.label}（{school.name}）"))
        existing = set(
            SchoolClass.objects.filter(school=school, school_year=school_year).values_list("grade", "number")
        )
        for grade in grades:
            for number in range(1, per_grade + 1):
                if (grade, number) in existing:
                    continue
                # The named class teacher teaches the first class of the first grade; the aid
                # office assigns the other classes' teachers.
                teacher = staff[Role.CLASS_TEACHER] if (grade, number) == (grades[0], 1) else None
                school_class_create(
                    actor=None,
                    school=school,
                    school_year=school_year,
                    grade=grade,
                    number=number,
                    class_teacher=teacher,
                )
        context.schools.append(school)
    classes = SchoolClass.objects.filter(school__county=county, school_year=school_year).count()
    context.lines.append(f"{county.name}: {len(context.schools)} schools, {classes} classes in {school_year}")
    return context
