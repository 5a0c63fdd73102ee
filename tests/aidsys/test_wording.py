"""Words a Chinese reader meets: a person's name is 姓名, the admin is Chinese, labels say what they are."""

import pytest
from django.utils import translation

from publicity.models import NoticeEntry, Objection
from reviews.forms import PanelMemberForm
from students.forms import MemberForm
from students.models import BigExpense, HouseholdMember, Student
from students.models.official import OfficialListEntry


@pytest.mark.parametrize(
    "label",
    [
        pytest.param(lambda: Student._meta.get_field("name").verbose_name, id="student"),
        pytest.param(lambda: HouseholdMember._meta.get_field("name").verbose_name, id="family member"),
        pytest.param(lambda: OfficialListEntry._meta.get_field("name").verbose_name, id="official list entry"),
        pytest.param(lambda: NoticeEntry._meta.get_field("name").verbose_name, id="notice line"),
        pytest.param(lambda: MemberForm.base_fields["name"].label, id="family member form"),
        pytest.param(lambda: PanelMemberForm.base_fields["name"].label, id="panel member form"),
    ],
)
def test_a_persons_name_is_labelled_xingming(label):
    with translation.override("zh-hans"):
        assert str(label()) == "姓名"


def test_the_objector_and_the_payee_are_named_as_people():
    from disbursements.models import PaymentLine

    with translation.override("zh-hans"):
        assert str(Objection._meta.get_field("name").verbose_name) == "异议人姓名"
        assert str(PaymentLine._meta.get_field("student_name").verbose_name) == "学生姓名"


def test_a_program_keeps_its_mingcheng():
    from applications.models import AidProgram

    with translation.override("zh-hans"):
        assert str(AidProgram._meta.get_field("name").verbose_name) == "名称"


def test_a_big_expense_on_housing_is_an_expense_not_the_housing_condition():
    with translation.override("zh-hans"):
        assert str(BigExpense.HOUSING.label) == "建房或购房"
        assert "住房情况" not in [str(label) for label in BigExpense.labels]


@pytest.mark.django_db
class TestTheAdminIsChinese:
    @pytest.mark.parametrize("url", ["/admin/", "/admin/aidsys/school/", "/admin/students/student/"])
    def test_no_english_headings_of_djangos_own(self, cast, client_for, url):
        response = client_for(cast.admin).get(url)
        assert response.status_code == 200
        page = response.content.decode()
        for english in ("Model name", "Add link", "Change or view list link"):
            assert english not in page
        assert "数据类别" in page


def test_a_form_label_ends_with_the_full_width_colon():
    with translation.override("zh-hans"):
        label = str(MemberForm()["name"].label_tag())
    assert "姓名：</label>" in label and "姓名:" not in label


@pytest.mark.django_db
def test_the_trail_is_named_one_way_in_the_menu_and_on_the_page(cast, client_for):
    client = client_for(cast.li)
    assert ">操作记录</a>" in client.get("/").content.decode()
    page = client.get("/audit/").content.decode()
    assert "<h1" in page and "操作记录" in page and "审计" not in page
