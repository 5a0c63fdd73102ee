"""The generated county's registry (`manage.py seed_county`): students, households, home visits, special groups.

Per school, in one transaction and in bulk through the registry's batch services (one audit event
per row): households with their parents and the student's own member row, students with valid
身份证号 (the county's division code, a real birth date for the grade, the check digit), most with a
bank card (Luhn-valid), a quarter of them visited by their class teacher. Then the county's civil
affairs lists (低保, 特困, 残疾) name the poorest families and are matched as county staff would
upload them (`official_list_upload`), so the flags carry the list's name and date.

Idempotent: a school with students is left as it is; a list already recorded is not uploaded again.
"""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from aidsys import cn
from aidsys.county_seed import class_sizes
from aidsys.models import SchoolClass
from aidsys.services.writes import instances_create
from aidsys.spreadsheets import append_row
from students.demo import HAND_GROUPS, SURNAMES, TOWNSHIPS, _birth_date
from students.matching import (
    ENTRY_BATCH,
    UploadOutcome,
    _entries_and_flags,
    _find_matches,
    _official_list_create,
    official_list_check,
)
from students.models import (
    AccountKind,
    BigExpense,
    EnrolmentStatus,
    Gender,
    Health,
    HomeVisit,
    Household,
    HouseholdMember,
    Housing,
    Hukou,
    IncomeSource,
    OfficialList,
    OfficialListEntry,
    Relation,
    SpecialGroupFlag,
    Student,
    Tier,
    VisitMethod,
)
from students.services import special_group_set_from_list

# Characters of given names, boys' and girls' (many shared), so that names read as names.
BOYS = "浩宇轩睿子涵博文俊杰志强建国天佑明轩嘉豪思远宇航晨阳一鸣子豪家乐俊熙梓豪文博昊然致远泽宇"
GIRLS = "欣怡梓涵诗雨桐佳琪嘉怡若曦可馨紫萱语嫣秀英丽娟海燕思琪雨欣梦瑶婉清悦彤芷若一诺晓雪静怡"
BANK = "中国农业银行青山县支行"
CARD_SHARE = 0.85  # students with a bank card (资助卡) on file
VISIT_SHARE = 0.25  # students visited at home this school year
# (kind, list name, the share of the poorest families it names, the list's column 保障类别)
OFFICIAL_LISTS = [
    (OfficialList.Kind.MINIMUM_LIVING, "民政局城乡低保名单", 0.05, "城乡低保"),
    (OfficialList.Kind.EXTREME_POVERTY, "民政局特困供养人员名单", 0.01, "特困供养"),
    (OfficialList.Kind.DISABLED, "残联残疾人名单", 0.008, "持证残疾人"),
]


def _name(rng, gender: str, surname: str) -> str:
    pool = BOYS if gender == Gender.MALE else GIRLS
    return surname + "".join(rng.sample(pool, rng.choice([1, 2, 2])))


def card_number(rng) -> str:
    first = f"622848{rng.randrange(10**12):012d}"
    return first + next(str(digit) for digit in range(10) if cn.luhn_valid(first + str(digit)))


class _Numbers:
    """身份证号 of the county, none drawn twice."""

    def __init__(self, area: str):
        self.area, self.taken = area, set()

    def draw(self, rng, birth: date, gender: str) -> str:
        while True:
            digits = "13579" if gender == Gender.MALE else "02468"
            first17 = f"{self.area}{birth:%Y%m%d}{rng.randrange(100):02d}{rng.choice(digits)}"
            number = first17 + cn.id_number_check_digit(first17)
            if number not in self.taken:
                self.taken.add(number)
                return number


def _child(rng, context, school_class, numbers: _Numbers) -> dict:
    gender = rng.choice([Gender.MALE, Gender.FEMALE])
    # A vocational school's 中职 years are a senior school's years (grade 51 is of the age of grade 41).
    grade = school_class.grade - 10 if school_class.grade // 10 == 5 else school_class.grade
    birth = _birth_date(rng, context.school_year.start_year, grade)
    surname = rng.choice(SURNAMES)
    township = rng.choice(sorted(TOWNSHIPS))
    village = rng.choice(TOWNSHIPS[township])
    poor = rng.random()
    father_income = Decimal(rng.randrange(0, 60000, 500)) if poor > 0.1 else Decimal(0)
    return {
        "gender": gender,
        "birth": birth,
        "number": numbers.draw(rng, birth, gender),
        "name": _name(rng, gender, surname),
        "township": township,
        "village": village,
        "group": rng.randrange(1, 20),
        "urban": village.endswith("社区"),
        "boarder": school_class.grade >= 31 and rng.random() < 0.6,
        "sibling": rng.random() < 0.06,
        "card": card_number(rng) if rng.random() < CARD_SHARE else "",
        "father": surname + "".join(rng.sample(BOYS, 2)),
        "mother": rng.choice(SURNAMES) + "".join(rng.sample(GIRLS, 2)),
        "father_income": father_income,
        "mother_income": Decimal(rng.randrange(0, 30000, 500)),
        "father_age": rng.randrange(32, 50),
        "mother_age": rng.randrange(30, 48),
        "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        "ill": poor < 0.04,
        "hand_group": rng.choice(HAND_GROUPS) if poor < 0.08 else None,
        "visit": rng.random() < VISIT_SHARE,
        "visit_day": rng.randrange(0, 60),
    }


def _school(context, school, sizes, numbers: _Numbers) -> int:
    classes = list(
        SchoolClass.objects.filter(school=school, school_year=context.school_year)
        .select_related("class_teacher", "school")
        .order_by("grade", "number")
    )
    children = []  # (class, child, household index)
    households = []
    for school_class in classes:
        rng = context.rng("class", school.code, school_class.grade, school_class.number)
        for index in range(sizes.get(school_class.pk, 0)):
            child = _child(rng, context, school_class, numbers)
            if not (child["sibling"] and index):
                households.append(
                    {
                        "township": child["township"],
                        "village": child["village"],
                        "address_detail": f"{child['village']}{child['group']}组",
                    }
                )
                child["parents"] = True
            children.append((school_class, child, len(households) - 1))
    made = instances_create(
        actor=None, instances=[Household(**fields) for fields in households], school=school, clean=False
    )
    students = instances_create(
        actor=None,
        school=school,
        clean=False,
        instances=[
            Student(
                school=school,
                household=made[household],
                school_class=school_class,
                name=child["name"],
                gender=child["gender"],
                id_number=child["number"],
                student_number=f"G{child['number']}",
                birth_date=child["birth"],
                hukou=Hukou.URBAN if child["urban"] else Hukou.RURAL,
                boarder=child["boarder"],
                status=EnrolmentStatus.ENROLLED,
                guardian_name=child["father"],
                guardian_relation=Relation.FATHER,
                guardian_phone=child["phone"],
                **(
                    {
                        "account_kind": AccountKind.BANK_CARD,
                        "account_number": child["card"],
                        "account_holder": child["name"],
                        "account_bank": BANK,
                    }
                    if child["card"]
                    else {}
                ),
            )
            for school_class, child, household in children
        ],
    )
    members, flags = [], []
    for student, (_class, child, household) in zip(students, children, strict=True):
        home = made[household]
        if child.get("parents"):
            members += [
                HouseholdMember(
                    household=home,
                    name=child["father"],
                    relation=Relation.FATHER,
                    age=child["father_age"],
                    occupation="外出务工" if not child["urban"] else "个体经营",
                    annual_income=child["father_income"],
                    health=Health.SERIOUS_ILLNESS if child["ill"] else Health.HEALTHY,
                    health_note="慢性肾病，长期透析" if child["ill"] else "",
                ),
                HouseholdMember(
                    household=home,
                    name=child["mother"],
                    relation=Relation.MOTHER,
                    age=child["mother_age"],
                    occupation="务农" if not child["urban"] else "超市店员",
                    annual_income=child["mother_income"],
                ),
            ]
            if child["hand_group"]:
                flags.append(
                    SpecialGroupFlag(
                        household=home,
                        group=child["hand_group"],
                        source=SpecialGroupFlag.Source.SELF_DECLARED,
                        note="家长在申请时说明",
                    )
                )
        members.append(
            HouseholdMember(
                household=home,
                name=student.name,
                relation=Relation.SELF,
                age=context.school_year.start_year - child["birth"].year,
                occupation="学生",
                student=student,
            )
        )
    instances_create(actor=None, instances=members, school=school, clean=False)
    instances_create(actor=None, instances=flags, school=school, clean=False)
    _visits(context, school, students, children)
    return len(students)


def _visits(context, school, students, children) -> None:
    """Each class teacher's visits, with the teacher as the actor of their events."""
    today = timezone.localdate()
    first_day = context.term.start + timedelta(days=7)
    by_teacher: dict = {}
    for student, (school_class, child, _household) in zip(students, children, strict=True):
        if not child["visit"]:
            continue
        poor = child["father_income"] + child["mother_income"] < 20000
        visit = HomeVisit(
            student=student,
            visitor=school_class.class_teacher,
            school_year=context.school_year,
            visited_on=min(first_day + timedelta(days=child["visit_day"]), today),
            method=VisitMethod.IN_PERSON if child["visit_day"] % 5 else VisitMethod.PHONE,
            people_met=f"{child['father']}（父亲）、{child['mother']}（母亲）",
            housing=Housing.POOR if poor else Housing.ORDINARY,
            income_sources=[IncomeSource.WAGES, IncomeSource.FARMING],
            big_expenses=[BigExpense.MEDICAL] if child["ill"] else [],
            health_disability="父亲患慢性肾病" if child["ill"] else "",
            notes="家中老人需要照顾，孩子学习认真。" if poor else "家庭收入稳定，孩子生活学习正常。",
            suggested_tier=Tier.DIFFICULT if poor else Tier.NOT_DIFFICULT,
        )
        by_teacher.setdefault(school_class.class_teacher, []).append(visit)
    for teacher, visits in by_teacher.items():
        instances_create(actor=teacher, instances=visits, school=school, clean=False)


def _official_lists(context) -> None:
    """The county's lists naming its poorest families, each uploaded and matched by a county staff member."""
    uploader = context.county_staff[0]
    on_roll = Student.objects.filter(school__county=context.county, status=EnrolmentStatus.ENROLLED)
    for kind, title, share, category in OFFICIAL_LISTS:
        name = f"{context.county.name}{title}（{context.school_year}）"
        if OfficialList.objects.filter(county=context.county, name=name).exists():
            continue
        rng = context.rng("list", kind)
        count = max(1, int(context.students * share))
        # The poorest families by the parents' income, a few picked at random among the rest.
        poorest = list(
            HouseholdMember.objects.filter(household__students__in=on_roll, relation=Relation.FATHER)
            .order_by("annual_income", "pk")
            .values_list("household_id", flat=True)[: count * 3]
        )
        households = sorted(rng.sample(poorest, min(count, len(poorest))))
        students = on_roll.filter(household_id__in=households).order_by("household_id", "pk")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        append_row(sheet, ["序号", "姓名", "身份证号", "保障类别"])
        for number, (student_name, id_number) in enumerate(students.values_list("name", "id_number"), start=1):
            append_row(sheet, [number, student_name, id_number, category])
        buffer = io.BytesIO()
        workbook.save(buffer)
        upload = SimpleUploadedFile(f"{title}.xlsx", buffer.getvalue())
        checked = official_list_check(actor=uploader, upload=upload, kind=kind, unit=context.county)
        outcome = _record(context, uploader, checked, kind=kind, name=name)
        context.progress(f"  {name}: {outcome.matched_rows} of {outcome.rows} rows matched")


def _record(context, uploader, checked, *, kind: str, name: str) -> UploadOutcome:
    """`official_list_record` with the new flags written in bulk, each with the event its service writes.

    A household that has the group already (declared by the family) goes through the service,
    which turns the flag into the list's.
    """
    parsed = checked.parsed
    matches = _find_matches(actor=uploader, unit=context.county, id_numbers=sorted({r.id_number for r in parsed.rows}))
    entries, flags = _entries_and_flags(parsed, kind, matches)
    official_list = OfficialList(
        kind=kind,
        name=name,
        list_date=context.term.start + timedelta(days=20),
        county=context.county,
        file_name=checked.file_name[-200:],
        uploaded_by=uploader,
    )
    outcome = UploadOutcome(
        official_list=official_list,
        rows=len({row.row for row in parsed.rows}),
        matched_rows=len({row.row for row in parsed.rows if row.id_number in matches}),
        rejected=parsed.rejected,
    )
    with transaction.atomic():
        _official_list_create(actor=uploader, outcome=outcome)
        for entry in entries:
            entry.official_list = official_list
        OfficialListEntry.objects.bulk_create(entries, batch_size=ENTRY_BATCH)
        held = set(
            SpecialGroupFlag.objects.filter(household_id__in={key[0] for key in flags}).values_list(
                "household_id", "group"
            )
        )
        # A household's events belong to the school of its first student (Household.audit_units).
        schools = {}
        for household_id, school_id in (
            Student.objects.filter(household_id__in={key[0] for key in flags})
            .order_by("-pk")
            .values_list("household_id", "school_id")
        ):
            schools[household_id] = school_id
        by_school: dict[int, list] = {}
        for (household_id, group), household in sorted(flags.items()):
            if (household_id, group) in held:
                special_group_set_from_list(
                    actor=uploader, household=household, group=group, official_list=official_list
                )
                continue
            by_school.setdefault(schools[household_id], []).append(
                SpecialGroupFlag(
                    household=household,
                    group=group,
                    recorded_by=uploader,
                    source=SpecialGroupFlag.Source.OFFICIAL_LIST,
                    official_list=official_list,
                    list_name=official_list.name,
                    list_date=official_list.list_date,
                    note="",
                )
            )
        in_county = {school.pk: school for school in context.schools}
        for school_id, new in by_school.items():
            instances_create(actor=uploader, instances=new, school=in_county[school_id], clean=False)
    return outcome


def seed(context) -> None:
    sizes = class_sizes(context)
    numbers = _Numbers(context.county.code)
    numbers.taken.update(Student.objects.filter(school__county=context.county).values_list("id_number", flat=True))
    done = 0
    for index, school in enumerate(context.schools, start=1):
        if not Student.objects.filter(school=school).exists():
            with transaction.atomic():
                done += _school(context, school, sizes, numbers)
        if index % 10 == 0 or index == len(context.schools):
            context.progress(f"  students: {index}/{len(context.schools)} schools ({done} new)")
    _official_lists(context)
