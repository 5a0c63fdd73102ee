"""Demo students with their households: 28 a class, the same people on every run."""

import random
from datetime import date, timedelta

from aidsys import cn
from aidsys.models import SchoolClass
from students.models import EnrolmentStatus, Gender, Hukou, Student
from students.services import household_create, student_create

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
            if number in existing:
                continue
            if household is None or not sibling:
                household = household_create(
                    actor=None,
                    township=township,
                    village=village,
                    address_detail=f"{village}{group}组",
                )
            student_create(
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
            )
            created += 1
    total = Student.objects.filter(school__in=context.schools).count()
    context.lines.append(f"students: {total} in {classes.count()} classes ({created} new this run)")
