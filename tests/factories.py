"""factory_boy factories: test set-up writes rows directly; behaviour under test goes through services."""

import itertools
from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from aidsys import cn
from aidsys.models import County, Membership, Role, School, SchoolClass, SchoolYear, Stage, Term, User
from students.models import EnrolmentStatus, Gender, Household, Hukou, Student

TEST_PASSWORD = "Test-pass-2026"
_id_sequence = itertools.count(1)


def make_id_number(birth: date = date(2015, 3, 7), male: bool = True) -> str:
    """A valid 身份证号, different on every call."""
    n = next(_id_sequence)
    gender_digit = (n * 2 + (1 if male else 0)) % 10
    first17 = f"4399{n // 100 % 100:02d}{birth:%Y%m%d}{n % 100:02d}{gender_digit}"
    return first17 + cn.id_number_check_digit(first17)


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{439900 + n}")
    name = factory.Sequence(lambda n: f"测试县{n}")


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ["start_year"]

    start_year = 2026


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ["school_year", "kind"]

    school_year = factory.SubFactory(SchoolYearFactory)
    kind = Term.Kind.AUTUMN
    start = factory.LazyAttribute(lambda t: date(t.school_year.start_year, 9, 1))
    end = factory.LazyAttribute(lambda t: date(t.school_year.start_year + 1, 1, 22))


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    county = factory.SubFactory(CountyFactory)
    code = factory.Sequence(lambda n: f"43{n:08d}")
    name = factory.Sequence(lambda n: f"测试小学{n}")
    stages = factory.LazyFunction(lambda: [Stage.PRIMARY])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.AID_OFFICE
    school = factory.SubFactory(SchoolFactory)
    county = None
    start = date(2025, 8, 1)


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.SubFactory(SchoolYearFactory)
    grade = 21
    number = factory.Sequence(lambda n: n + 1)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    township = "青山镇"
    village = "枫树村"


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    # Neutral names: a test that asserts on 王小明 or 李小红 names them itself.
    name = factory.Sequence(lambda n: f"学生{n}号")
    gender = Gender.MALE
    birth_date = date(2019, 10, 8)
    id_number = factory.LazyAttribute(lambda s: make_id_number(s.birth_date, s.gender == Gender.MALE))
    student_number = factory.LazyAttribute(lambda s: f"G{s.id_number}")
    hukou = Hukou.RURAL
    status = EnrolmentStatus.ENROLLED
    school_class = factory.SubFactory(SchoolClassFactory)
    school = factory.SelfAttribute("school_class.school")
    household = factory.SubFactory(HouseholdFactory)


class AidProgramFactory(factory.django.DjangoModelFactory):
    """义务教育家庭经济困难学生生活补助 by default: primary and junior, paid per term, cards."""

    class Meta:
        model = "applications.AidProgram"

    county = factory.SubFactory(CountyFactory)
    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"测试资助项目{n}")
    stages = factory.LazyFunction(lambda: [Stage.PRIMARY, Stage.JUNIOR])
    pay_period = "term"
    payment_methods = factory.LazyFunction(lambda: ["aid_card", "bank_card"])


class ProgramStandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "applications.ProgramStandard"

    program = factory.SubFactory(AidProgramFactory)
    school_year = factory.SubFactory(SchoolYearFactory)
    tier = ""
    boarding = "any"
    amount_per_year = Decimal("1250.00")


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "applications.Quota"

    program = factory.SubFactory(AidProgramFactory)
    term = factory.SubFactory(TermFactory)
    school = factory.SubFactory(SchoolFactory)
    tier = ""
    awards = 10
    amount = None


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application as filed; set `status` and the review fields for later stages."""

    class Meta:
        model = "applications.Application"

    student = factory.SubFactory(StudentFactory)
    program = factory.SubFactory(AidProgramFactory)
    term = factory.SubFactory(TermFactory)
    school = factory.SelfAttribute("student.school")
    school_class = factory.SelfAttribute("student.school_class")
    status = "draft"
    requested_tier = "difficult"
    statement = "父亲务工收入不稳定，母亲长期患病。"
    pledge_signed = True
    filed_by = factory.SubFactory(UserFactory)
    filed_at = factory.LazyFunction(timezone.now)


class FundAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "disbursements.FundAllocation"

    school = factory.SubFactory(SchoolFactory)
    program = factory.SubFactory(AidProgramFactory, county=factory.SelfAttribute("..school.county"))
    term = factory.SubFactory(TermFactory)
    source = "central"
    amount = Decimal("10000.00")
    document_number = factory.Sequence(lambda n: f"青财教〔2026〕{n + 1}号")
    document_date = date(2026, 9, 10)
    recorded_by = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyFunction(timezone.now)


class PaymentBatchFactory(factory.django.DjangoModelFactory):
    """A batch as prepared; set `status`, `approved_by` and `approved_at` for later stages."""

    class Meta:
        model = "disbursements.PaymentBatch"

    school = factory.SubFactory(SchoolFactory)
    program = factory.SubFactory(AidProgramFactory, county=factory.SelfAttribute("..school.county"))
    term = factory.SubFactory(TermFactory)
    number = factory.Sequence(lambda n: f"FF2026-{n + 1:03d}")
    method = "cash"
    prepared_by = factory.SubFactory(UserFactory)
    prepared_at = factory.LazyFunction(timezone.now)


class PaymentLineFactory(factory.django.DjangoModelFactory):
    """One line of a batch for an approved application of the batch's school, program and term."""

    class Meta:
        model = "disbursements.PaymentLine"

    batch = factory.SubFactory(PaymentBatchFactory)
    application = factory.SubFactory(
        ApplicationFactory,
        status="approved",
        approved_tier="difficult",
        amount=Decimal("625.00"),
        program=factory.SelfAttribute("..batch.program"),
        term=factory.SelfAttribute("..batch.term"),
        student__school_class__school=factory.SelfAttribute("....batch.school"),
    )
    student = factory.SelfAttribute("application.student")
    period = factory.LazyAttribute(lambda line: str(line.batch.term_id))
    amount = factory.SelfAttribute("application.amount")
    method = factory.SelfAttribute("batch.method")
    student_name = factory.SelfAttribute("student.name")
    class_label = factory.LazyAttribute(lambda line: str(line.student.school_class))
    id_number_masked = "4399**********1234"
    reference = factory.Sequence(lambda n: f"R{n + 1:08d}")


class BankFileLayoutFactory(factory.django.DjangoModelFactory):
    """A bank's 代发文件 layout: name, account, amount, remark and reference (no 身份证号) by default."""

    class Meta:
        model = "disbursements.BankFileLayout"

    county = factory.SubFactory(CountyFactory)
    bank = factory.Sequence(lambda n: f"测试银行{n}")
    columns = factory.LazyFunction(
        lambda: [
            {"field": "reference", "heading": "业务参考号"},
            {"field": "name", "heading": "户名"},
            {"field": "account", "heading": "账号"},
            {"field": "amount", "heading": "金额"},
            {"field": "remark", "heading": "摘要"},
        ]
    )
