"""A generated county for benchmarks and the load test (`manage.py seed_county`): the organisation part.

One county with its schools of each stage in a county's proportions, their classes, and a user for
each role: county staff, an aid office and a principal per school, a class teacher per class, all
with the demo password. Later stages add their part in their own `county_seed.py`, as with
`seed_demo`. Rows are written in bulk through `instances_create` (one audit event per row, chained
in batches); users as `user_create` writes them, with one password hash computed for all.

Idempotent: schools, classes and users are found by their codes and usernames; a school that has
its classes is left as it is. The same seed gives the same county.
"""

import random
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from aidsys.demo import DEMO_PASSWORD, SCHOOL_YEARS
from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Stage, Term, User
from aidsys.services.audit import Action, PendingEvent, audit_record_many
from aidsys.services.org import county_create, school_create, school_set_current_term, school_year_create
from aidsys.services.people import user_grant_permission
from aidsys.services.writes import instances_create

# Of a county's schools: most are primary schools, a quarter junior, a few senior and vocational.
STAGE_SHARES = [(Stage.PRIMARY, 0.60), (Stage.JUNIOR, 0.25), (Stage.SENIOR, 0.08), (Stage.VOCATIONAL, 0.07)]
# A school's size relative to a primary school's, and its pupils per class.
STAGE_WEIGHT = {Stage.PRIMARY: 1.3, Stage.JUNIOR: 1.8, Stage.SENIOR: 3.0, Stage.VOCATIONAL: 2.5}
CLASS_SIZE = {Stage.PRIMARY: 40, Stage.JUNIOR: 48, Stage.SENIOR: 50, Stage.VOCATIONAL: 45}
GRADES = {
    Stage.PRIMARY: [21, 22, 23, 24, 25, 26],
    Stage.JUNIOR: [31, 32, 33],
    Stage.SENIOR: [41, 42, 43],
    Stage.VOCATIONAL: [51, 52, 53],
}
COUNTY_STAFF = 3
STAFF_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕"
TOWNS = [
    *("城关", "青山", "白沙", "石门", "龙潭", "枫林", "桃源", "河口", "新市", "长岭"),
    *("金鸡", "荷塘", "梅溪", "花桥", "黄土", "高坪", "大坪", "麻田", "杨柳", "柏树"),
]
NUMERALS = "一二三四五六七八九十"


@dataclass
class CountyContext:
    """What the organisation part made, handed to each later stage's county_seed.seed()."""

    county: County
    school_year: SchoolYear
    term: Term
    seed: int
    students: int
    schools: list[School] = field(default_factory=list)
    county_staff: list[User] = field(default_factory=list)
    progress: object = print
    password: str = ""

    def rng(self, *parts) -> random.Random:
        """A generator of its own for each part: a rerun draws the same, whatever was skipped."""
        return random.Random("-".join(str(part) for part in (self.seed, self.county.code, *parts)))

    def staff(self, school: School, role: str) -> User:
        return User.objects.get(username=f"{school.code}_{role}")


def school_stages(schools: int) -> list[str]:
    """The stage of each school: at least one primary and one junior school, then the shares."""
    stages = []
    for stage, share in STAGE_SHARES:
        stages += [stage] * round(schools * share)
    stages = (stages + [Stage.PRIMARY] * schools)[:schools]
    if schools >= 2 and Stage.JUNIOR not in stages:
        stages[-1] = Stage.JUNIOR
    return sorted(stages, key=[stage for stage, _share in STAGE_SHARES].index)


def _school_name(county: County, stage: str, index: int, rng: random.Random) -> str:
    numeral = NUMERALS[index % 10] if index < 10 else str(index + 1)
    if stage == Stage.PRIMARY:
        return f"{county.name}{TOWNS[index % len(TOWNS)]}镇第{numeral}小学"
    if stage == Stage.JUNIOR:
        return f"{county.name}第{numeral}初级中学"
    if stage == Stage.SENIOR:
        return f"{county.name}第{numeral}高级中学"
    return f"{county.name}第{numeral}职业中等专业学校"


def _person(rng: random.Random, title: str) -> str:
    return rng.choice(STAFF_SURNAMES) + title


def _users(rows: list[tuple[str, str]], password: str) -> dict[str, User]:
    """Users by username, made as `user_create` makes them (its audit event), the missing ones in bulk,
    all with the one `password` hash (hashing is slow on purpose: once, not once a teacher)."""
    existing = {user.username: user for user in User.objects.filter(username__in=[name for name, _ in rows])}
    missing = [User(username=name, full_name=full_name) for name, full_name in rows if name not in existing]
    if missing:
        for user in missing:
            user.password = password
        created = User.objects.bulk_create(missing, batch_size=500)
        audit_record_many(
            actor=None,
            events=[
                PendingEvent(
                    Action.CREATE,
                    user,
                    {
                        "username": [None, user.username],
                        "full_name": [None, user.full_name],
                        "is_superuser": [None, False],
                    },
                )
                for user in created
            ],
        )
        existing.update({user.username: user for user in created})
    return existing


def _memberships(grants: list[tuple[User, str, School | None, County | None]]) -> None:
    held = set(Membership.objects.active().filter(user__in=[g[0] for g in grants]).values_list("user_id", "role"))
    missing = [
        Membership(user=user, role=role, school=school, county=county, start=date(2025, 8, 1))
        for user, role, school, county in grants
        if (user.pk, role) not in held
    ]
    instances_create(actor=None, instances=missing, clean=False)


def _class_sizes(stage: str, students: int) -> list[tuple[int, int, int]]:
    """(grade, number, students) of a school of `students` pupils."""
    grades = GRADES[stage]
    per_grade = max(1, round(students / len(grades) / CLASS_SIZE[stage]))
    classes = [(grade, number) for grade in grades for number in range(1, per_grade + 1)]
    base, extra = divmod(students, len(classes))
    return [(grade, number, base + (index < extra)) for index, (grade, number) in enumerate(classes)]


def school_sizes(stages: list[str], students: int) -> list[int]:
    weights = [STAGE_WEIGHT[stage] for stage in stages]
    sizes = [int(students * weight / sum(weights)) for weight in weights]
    sizes[0] += students - sum(sizes)
    return sizes


def seed(*, code: str, name: str, schools: int, students: int, seed: int, progress=print) -> CountyContext:
    with transaction.atomic():
        county = County.objects.filter(code=code).first() or county_create(actor=None, code=code, name=name)
        years = {}
        for start_year, (autumn, spring) in SCHOOL_YEARS.items():
            years[start_year] = SchoolYear.objects.filter(start_year=start_year).first() or school_year_create(
                actor=None, start_year=start_year, autumn=autumn, spring=spring
            )
    school_year = years[2026]
    term = school_year.terms.get(kind=Term.Kind.AUTUMN)
    context = CountyContext(
        county=county, school_year=school_year, term=term, seed=seed, students=students, progress=progress
    )
    context.password = make_password(DEMO_PASSWORD)
    rng = context.rng("staff")
    with transaction.atomic():
        staff = _users(
            [(f"{code}_county{n}", _person(rng, "科长" if n == 1 else "老师")) for n in range(1, 4)], context.password
        )
        context.county_staff = sorted(staff.values(), key=lambda user: user.username)
        _memberships([(user, Role.COUNTY_STAFF, None, county) for user in context.county_staff])
    stages = school_stages(schools)
    sizes = school_sizes(stages, students)
    stage_index: dict[str, int] = {}
    for index, (stage, size) in enumerate(zip(stages, sizes, strict=True)):
        number = stage_index[stage] = stage_index.get(stage, -1) + 1
        school_code = f"{code}{index + 1:04d}"
        with transaction.atomic():
            school = School.objects.filter(code=school_code).first() or school_create(
                actor=None,
                county=county,
                code=school_code,
                name=_school_name(county, stage, number, rng),
                stages=[stage],
                address=f"{county.name}{TOWNS[index % len(TOWNS)]}镇学府路{index + 1}号",
            )
            if school.current_term_id != term.pk:
                school_set_current_term(actor=None, school=school, term=term)
            context.schools.append(school)
            if SchoolClass.objects.filter(school=school, school_year=school_year).exists():
                continue
            _school_staff(context, school, stage, size)
        if (index + 1) % 10 == 0 or index + 1 == schools:
            progress(f"  schools {index + 1}/{schools}")
    for school in context.schools:
        # As in the demo: the aid office may reveal a family's sensitive details (each reveal audited).
        user_grant_permission(
            actor=None,
            user=context.staff(school, "aid"),
            permission="students.reveal_sensitive",
            reason="生成的县：资助专干可查看敏感信息",
        )
    return context


def _school_staff(context: CountyContext, school: School, stage: str, size: int) -> None:
    rng = context.rng("school", school.code)
    sizes = _class_sizes(stage, size)
    rows = [(f"{school.code}_aid", _person(rng, "老师")), (f"{school.code}_principal", _person(rng, "校长"))]
    rows += [(f"{school.code}_t{grade}{number:02d}", _person(rng, "老师")) for grade, number, _n in sizes]
    users = _users(rows, context.password)
    grants = [(users[rows[0][0]], Role.AID_OFFICE, school, None), (users[rows[1][0]], Role.PRINCIPAL, school, None)]
    grants += [(users[name], Role.CLASS_TEACHER, school, None) for name, _full in rows[2:]]
    _memberships(grants)
    instances_create(
        actor=None,
        clean=False,
        instances=[
            SchoolClass(
                school=school,
                school_year=context.school_year,
                grade=grade,
                number=number,
                class_teacher=users[f"{school.code}_t{grade}{number:02d}"],
            )
            for grade, number, _n in sizes
        ],
    )


def class_sizes(context: CountyContext) -> dict[int, int]:
    """Pupils per class id, as the organisation part planned them."""
    stages = [school.stages[0] for school in context.schools]
    sizes = {}
    for school, size in zip(context.schools, school_sizes(stages, context.students), strict=True):
        planned = {(grade, number): n for grade, number, n in _class_sizes(school.stages[0], size)}
        for school_class in SchoolClass.objects.filter(school=school, school_year=context.school_year):
            sizes[school_class.pk] = planned.get((school_class.grade, school_class.number), 0)
    return sizes
