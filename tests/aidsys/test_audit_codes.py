"""The trail names what a service recorded by a code: a permission, a revealed field, a percentage."""

from aidsys.models import AuditEvent, User
from aidsys.services.people import user_grant_permission
from applications.models import FundingShare
from disbursements.models import PaymentLine
from reports.models import ReportExport
from students.models import HouseholdMember, Student
from tests.aidsys.test_audit_display import rows_of


def test_a_granted_permission_shows_its_chinese_name_not_its_code(cast):
    user_grant_permission(actor=cast.admin, user=cast.li, permission="students.reveal_sensitive")
    event = AuditEvent.objects.for_object(cast.li).filter(changes__has_key="permissions").get()
    assert rows_of(User, event.changes) == [("权限", "", "可查看敏感信息")]


def test_a_reveal_names_the_field_shown_in_chinese(db):
    assert rows_of(HouseholdMember, {"field": [None, "health"]}) == [("查看的信息", "", "健康状况")]


def test_a_share_is_a_percentage_not_money(db):
    assert rows_of(FundingShare, {"percent": ["50.00", "100"]}) == [("比例（%）", "50%", "100%")]


def test_a_fact_with_nothing_to_read_is_left_out(db):
    parameters = {"program_id": 2, "term_id": 3, "school_id": None, "school_ids": []}
    rows = rows_of(ReportExport, {"report": [None, "award_list"], "parameters": [None, parameters]})
    assert [label for label, _before, _after in rows] == ["报表"]


def test_a_payment_lines_period_is_its_term_not_the_terms_key(cast):
    rows = rows_of(PaymentLine, {"period": [None, str(cast.term.pk)]})
    assert rows == [("发放所属期", "", "2026–2027学年秋季学期")]
    monthly = rows_of(PaymentLine, {"period": [None, f"{cast.term.pk}-2026-11"]})
    assert monthly == [("发放所属期", "", "2026–2027学年秋季学期 2026-11")]


def test_a_revealed_photo_and_a_printed_id_number_are_named(cast):
    from students.models import HomeVisitPhoto

    assert rows_of(HomeVisitPhoto, {"field": [None, "photo"]}) == [("查看的信息", "", "照片")]
    printed = rows_of(Student, {"field": [None, "id_number"], "printed_in": [None, "申请表"]})
    assert printed == [("查看的信息", "", "身份证号"), ("打印的文件", "", "申请表")]
