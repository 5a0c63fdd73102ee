"""Demo students with their households: 28 a class, the same people on every run."""

import io
import random
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from aidsys import cn
from aidsys.demo import school_prefix
from aidsys.models import SchoolClass, User
from aidsys.services.people import user_grant_permission
from aidsys.spreadsheets import append_row
from students.matching import official_list_upload
from students.models import (
    BigExpense,
    EnrolmentStatus,
    Gender,
    Health,
    Housing,
    Hukou,
    IncomeSource,
    OfficialList,
    Relation,
    SpecialGroup,
    SpecialGroupFlag,
    Student,
    Tier,
    VisitMethod,
)
from students.services import home_visit_record, household_create, member_add, special_group_set, student_create

STUDENTS_PER_CLASS = 28
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃武戴莫孔向汤"
)
GIVEN = "子涵欣怡梓轩浩然雨桐思远佳琪宇航嘉怡俊杰诗涵博文若曦一诺明轩可馨天佑紫萱晨阳语嫣志强秀英建国丽娟海燕"
TOWNSHIPS = {
    "城关镇": ["东门社区", "西街社区", "南关村"],
    "青山镇": ["青山村", "枫树村", "长岭村"],
    "白沙乡": ["白沙村", "杨柳村"],
    "石门乡": ["石门村", "高坪村", "茶园村"],
    "龙潭镇": ["龙潭村", "新塘村"],
}
HAND_GROUPS = [SpecialGroup.SINGLE_PARENT, SpecialGroup.SERIOUS_ILLNESS, SpecialGroup.SUDDEN_MISFORTUNE]
# The demo county's own division code starts every demo ID number.
AREA_CODE = "439901"


def _id_number(rng: random.Random, birth: date, gender: str, taken: set[str]) -> str:
    while True:
        sequence = rng.randrange(0, 100)
        gender_digit = rng.choice("13579" if gender == Gender.MALE else "02468")
        first17 = f"{AREA_CODE}{birth:%Y%m%d}{sequence:02d}{gender_digit}"
        number = first17 + cn.id_number_check_digit(first17)
        if number not in taken:
            taken.add(number)
            return number


def _birth_date(rng: random.Random, school_year_start: int, grade: int) -> date:
    """Children start grade 1 in the September after they turn six."""
    years_in_school = {2: 0, 3: 6, 4: 9}[grade // 10] + grade % 10
    earliest = date(school_year_start - years_in_school - 6, 9, 1)
    return earliest + timedelta(days=rng.randrange(365))


def _family(rng: random.Random, *, surname: str, rural: bool) -> dict:
    """Parents, their work and incomes, a phone, and now and then a special group."""
    hardship = rng.random()
    father_income = Decimal(rng.randrange(0, 60000, 500)) if hardship > 0.15 else Decimal(0)
    return {
        "father": surname + "".join(rng.sample(GIVEN, 2)),
        "mother": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
        "father_age": rng.randrange(30, 50),
        "mother_age": rng.randrange(28, 48),
        "father_work": rng.choice(["外出务工", "务农", "个体经营", "建筑工人"])
        if rural
        else rng.choice(["职员", "个体经营", "司机"]),
        "mother_work": rng.choice(["务农", "家务", "超市店员", "外出务工"]),
        "father_income": father_income,
        "mother_income": Decimal(rng.randrange(0, 30000, 500)),
        "phone": f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}",
        "group": rng.choice(HAND_GROUPS) if hardship < 0.12 else None,
        "ill": hardship < 0.05,
    }


def _fill_household(household, family: dict) -> None:
    member_add(
        actor=None,
        household=household,
        name=family["father"],
        relation=Relation.FATHER,
        age=family["father_age"],
        occupation=family["father_work"],
        annual_income=family["father_income"],
        health=Health.SERIOUS_ILLNESS if family["ill"] else Health.HEALTHY,
        health_note="慢性肾病，长期透析" if family["ill"] else "",
    )
    member_add(
        actor=None,
        household=household,
        name=family["mother"],
        relation=Relation.MOTHER,
        age=family["mother_age"],
        occupation=family["mother_work"],
        annual_income=family["mother_income"],
    )
    if family["group"]:
        special_group_set(
            actor=None,
            household=household,
            group=family["group"],
            source=SpecialGroupFlag.Source.SELF_DECLARED,
            note="家长在申请时说明",
        )


def _visit(student, teacher, school_year, family: dict) -> None:
    poor = family["father_income"] + family["mother_income"] < 20000
    home_visit_record(
        actor=teacher,
        student=student,
        school_year=school_year,
        visited_on=date(2026, 9, 20),
        method=VisitMethod.IN_PERSON,
        people_met=f"{family['father']}（父亲）、{family['mother']}（母亲）",
        housing=Housing.POOR if poor else Housing.ORDINARY,
        income_sources=[IncomeSource.WAGES, IncomeSource.FARMING],
        big_expenses=[BigExpense.MEDICAL] if family["ill"] else [],
        health_disability="父亲患慢性肾病" if family["ill"] else "",
        notes="家中老人需要照顾，孩子学习认真。",
        suggested_tier=Tier.DIFFICULT if poor else Tier.NOT_DIFFICULT,
    )


DEMO_LIST_NAME = "青山县民政局低保名单（演示）"


def _official_list(context) -> None:
    """A county 低保 list naming the poorest demo families, matched as county staff would."""
    if OfficialList.objects.filter(name=DEMO_LIST_NAME).exists():
        return
    poorest = sorted(
        Student.objects.filter(school__in=context.schools).prefetch_related("household__members"),
        key=lambda student: (student.household.per_capita_income() or 0, student.pk),
    )[:20]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    append_row(sheet, ["序号", "姓名", "身份证号", "保障类别"])
    for number, student in enumerate(poorest, start=1):
        append_row(sheet, [number, student.name, student.id_number, "城乡低保"])
    append_row(sheet, [len(poorest) + 1, "赵某某", f"{AREA_CODE}19800101001X", "城乡低保"])  # a row naming no student
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = official_list_upload(
        actor=User.objects.get(username="county"),
        upload=SimpleUploadedFile("低保名单.xlsx", buffer.getvalue()),
        kind=OfficialList.Kind.MINIMUM_LIVING,
        name=DEMO_LIST_NAME,
        list_date=date(2026, 10, 1),
        unit=context.county,
    )
    context.lines.append(f"official list: {outcome.matched_rows} of {outcome.rows} rows matched")


def seed(context) -> None:
    classes = SchoolClass.objects.filter(school__in=context.schools, school_year=context.school_year).select_related(
        "school"
    )
    existing = set(Student.objects.filter(school__in=context.schools).values_list("id_number", flat=True))
    # Numbers drawn in this run, so that two children never share one; the same draws every run.
    taken: set[str] = set()
    created = 0
    for school_class in classes.order_by("school__code", "grade", "number"):
        # One generator per class: the same class always gets the same children.
        rng = random.Random(f"{school_class.school.code}-{school_class.grade}-{school_class.number}")
        household = None
        for _index in range(STUDENTS_PER_CLASS):
            gender = rng.choice([Gender.MALE, Gender.FEMALE])
            birth = _birth_date(rng, context.school_year.start_year, school_class.grade)
            number = _id_number(rng, birth, gender, taken)
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2])))
            township = rng.choice(sorted(TOWNSHIPS))
            village = rng.choice(TOWNSHIPS[township])
            boarder = rng.random() < 0.6 and school_class.grade >= 31
            hukou = Hukou.URBAN if village.endswith("社区") else Hukou.RURAL
            # Every draw comes before the skip below, so that a rerun draws the same sequence.
            sibling = rng.random() < 0.08
            group = rng.randrange(1, 90)
            family = _family(rng, surname=name[0], rural=hukou == Hukou.RURAL)
            if number in existing:
                continue
            if household is None or not sibling:
                household = household_create(
                    actor=None,
                    school=school_class.school,
                    township=township,
                    village=village,
                    address_detail=f"{village}{group}组",
                )
                _fill_household(household, family)
            student = student_create(
                actor=None,
                household=household,
                name=name,
                gender=gender,
                id_number=number,
                student_number=f"G{number}",
                birth_date=birth,
                hukou=hukou,
                boarder=boarder,
                status=EnrolmentStatus.ENROLLED,
                school=school_class.school,
                school_class=school_class,
                guardian_name=family["father"],
                guardian_relation=Relation.FATHER,
                guardian_phone=family["phone"],
            )
            member_add(
                actor=None,
                household=household,
                name=name,
                relation=Relation.SELF,
                age=2026 - birth.year,
                occupation="学生",
                student=student,
            )
            if school_class.class_teacher and _index < 6:
                _visit(student, school_class.class_teacher, context.school_year, family)
            created += 1
    for school in context.schools:
        aid_office = User.objects.get(username=f"{school_prefix(school)}_aid")
        user_grant_permission(
            actor=None, user=aid_office, permission="students.reveal_sensitive", reason="演示：资助专干可查看敏感信息"
        )
    _official_list(context)
    total = Student.objects.filter(school__in=context.schools).count()
    context.lines.append(f"students: {total} in {classes.count()} classes ({created} new this run)")
