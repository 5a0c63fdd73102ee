"""发放批次: made from the roster the county approved, prepared by the aid office, approved by the principal."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from aidsys import cn
from aidsys.models import AuditEvent, Term
from aidsys.todo import todo_for
from aidsys.transitions import InvalidTransition
from applications.models import Application
from disbursements.models import PaymentLine
from disbursements.services.batches import (
    batch_approve,
    batch_create,
    batch_regenerate,
    batch_return,
    batch_submit,
    line_cancel,
    line_mark_paid,
    require_approved,
)
from disbursements.services.schedule import month_share, term_months
from publicity.models import RosterReport
from reviews.models import Revocation
from tests.disbursements.batch_data import (
    ROSTER_TOTAL,
    approved_batch,
    approved_roster,
    funds,
    made_batch,
    submitted_batch,
)
from tests.factories import ApplicationFactory, PaymentLineFactory, StudentFactory
from tests.publicity.notice_data import STUDENTS


def spring(cast) -> Term:
    return Term.objects.get(school_year=cast.school_year, kind="spring")


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


class TestMaking:
    def test_one_line_per_award_of_the_approved_roster_with_a_frozen_copy(self, cast):
        batch = made_batch(cast, method="bank_card")
        lines = list(batch.lines.order_by("pk"))
        assert batch.number == "FF2026A-001" and batch.status == "draft" and batch.prepared_by == cast.li
        assert len(lines) == 4 and sum(line.amount for line in lines) == ROSTER_TOTAL
        assert all(line.period == str(cast.term.pk) and line.method == "bank_card" for line in lines)
        line = next(line for line in lines if line.student_name == "王小明")
        assert line.class_label == str(cast.class_1)
        assert line.id_number_masked == line.student.id_number[:4] + "*" * 10 + line.student.id_number[-4:]
        assert line.account_number == "6228480402564890018" and line.account_kind == "bank_card"
        assert len({line.reference for line in lines}) == 4
        # A later change of the registry does not alter the batch.
        type(line.student).objects.filter(pk=line.student_id).update(name="王大明", account_number="")
        line.refresh_from_db()
        assert line.student_name == "王小明" and line.account_number == "6228480402564890018"

    def test_a_cash_batch_keeps_no_account(self, cast):
        batch = made_batch(cast, method="cash")
        assert set(batch.lines.values_list("account_number", flat=True)) == {""}

    def test_the_making_is_audited(self, cast):
        batch = made_batch(cast)
        assert AuditEvent.objects.for_object(batch).get(action="create").actor == cast.li
        assert AuditEvent.objects.for_object(batch.lines.first()).get(action="create").actor == cast.li

    def test_a_roster_the_county_has_not_approved_pays_nothing(self, cast):
        program = approved_roster(cast)
        RosterReport.objects.filter(program=program).update(status="reported")
        with pytest.raises(ValidationError) as refused:
            batch_create(actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash")
        assert codes(refused.value) == {"nothing_due"}
        assert "county has not approved" in refused.value.messages[0] or "县" in refused.value.messages[0]

    def test_a_method_the_program_does_not_allow_is_refused(self, cast):
        program = approved_roster(cast, payment_methods=["bank_card"])
        with pytest.raises(ValidationError) as refused:
            batch_create(actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash")
        assert codes(refused.value) == {"method"}

    def test_only_the_aid_office_makes_a_batch(self, cast):
        program = approved_roster(cast)
        for user in (cast.zhang, cast.wang, cast.zhao, cast.outsider):
            with pytest.raises(PermissionDenied):
                batch_create(actor=user, school=cast.school, program=program, term=cast.term, method="cash")

    def test_an_award_already_in_a_batch_gets_no_second_line(self, cast):
        batch = made_batch(cast)
        with pytest.raises(ValidationError) as refused:
            batch_create(actor=cast.li, school=cast.school, program=batch.program, term=cast.term, method="cash")
        assert codes(refused.value) == {"nothing_due"}
        assert PaymentLine.objects.count() == 4

    def test_the_database_refuses_a_second_counting_line_of_an_award_and_period(self, cast):
        batch = made_batch(cast)
        line = batch.lines.first()
        other = PaymentLineFactory.build(
            batch=batch, application=line.application, student=line.student, period=line.period, reference="X1"
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            PaymentLine.objects.bulk_create([other])

    def test_a_cancelled_line_frees_the_award_for_another_batch(self, cast):
        batch = made_batch(cast)
        line = batch.lines.get(student_name="艾米")
        line_cancel(actor=cast.li, line=line, reason="核对后另批发放")
        second = batch_create(actor=cast.li, school=cast.school, program=batch.program, term=cast.term, method="cash")
        assert list(second.lines.values_list("student_name", flat=True)) == ["艾米"]
        assert second.number == "FF2026A-002"

    def test_revoked_awards_and_students_whose_status_stops_aid_get_no_line(self, cast):
        program = approved_roster(cast)
        funds(cast, program)
        awards = {a.student.name: a for a in Application.objects.filter(program=program).select_related("student")}
        Application.objects.filter(pk=awards["赵小雨"].pk).update(status="revoked")
        # Left during the term: no line for the term. Suspended with no date: no line.
        type(awards["王小明"].student).objects.filter(pk=awards["王小明"].student_id).update(
            status="transferred_out", status_since=date(2026, 12, 1)
        )
        type(awards["艾米"].student).objects.filter(pk=awards["艾米"].student_id).update(status="suspended")
        # Graduates after the term's end: the term is still paid.
        type(awards["曾小红"].student).objects.filter(pk=awards["曾小红"].student_id).update(
            status="graduated", status_since=date(2027, 2, 1)
        )
        batch = batch_create(actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash")
        assert list(batch.lines.values_list("student_name", flat=True)) == ["曾小红"]

    def test_a_year_applied_award_paid_per_term_is_paid_each_term_and_a_replacement_from_its_own(self, cast):
        program = approved_roster(cast, students=STUDENTS[1:3], apply_period="year", pay_period="term")
        funds(cast, program)
        autumn = batch_create(actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash")
        assert autumn.lines.count() == 2
        revoked = Application.objects.get(program=program, student__name="艾米")
        Application.objects.filter(pk=revoked.pk).update(status="revoked")
        replacement = ApplicationFactory(
            student=StudentFactory(name="递补生", school_class=cast.class_1),
            program=program,
            term=spring(cast),
            status="approved",
            approved_tier="difficult",
            amount=Decimal("625.00"),
            replaces=revoked,
        )
        report = RosterReport.objects.get(program=program)
        RosterReport.objects.create(
            school=cast.school, program=program, term=spring(cast), notice=report.notice, status="approved",
            reported_by=cast.li, reported_at=report.reported_at,
        )  # fmt: skip
        funds(cast, program, term=spring(cast))
        spring_batch = batch_create(
            actor=cast.li, school=cast.school, program=program, term=spring(cast), method="cash"
        )
        paid = dict(spring_batch.lines.values_list("student_name", "period"))
        assert paid == {"王小明": str(spring(cast).pk), "递补生": str(spring(cast).pk)}
        assert spring_batch.number == "FF2026S-001"
        assert replacement.pk in spring_batch.lines.values_list("application", flat=True)

    def test_an_award_revoked_from_spring_is_still_paid_for_autumn(self, cast):
        # 取消资格 takes effect in the term it names: a late autumn batch still pays the autumn term.
        program = approved_roster(cast, students=STUDENTS[1:3], apply_period="year", pay_period="term")
        funds(cast, program)
        revoked = Application.objects.get(program=program, student__name="艾米")
        Application.objects.filter(pk=revoked.pk).update(status="revoked")
        Revocation.objects.create(
            application=revoked, reason="improved", detail="家庭经济状况好转", effective_term=spring(cast),
            revoked_by=cast.li, revoked_at=timezone.now(),
        )  # fmt: skip
        autumn = batch_create(actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash")
        assert set(autumn.lines.values_list("student_name", flat=True)) == {"王小明", "艾米"}
        assert batch_regenerate(actor=cast.li, batch=autumn)["cancelled"] == 0
        RosterReport.objects.create(
            school=cast.school, program=program, term=spring(cast),
            notice=RosterReport.objects.get(program=program).notice, status="approved",
            reported_by=cast.li, reported_at=timezone.now(),
        )  # fmt: skip
        funds(cast, program, term=spring(cast))
        spring_batch = batch_create(
            actor=cast.li, school=cast.school, program=program, term=spring(cast), method="cash"
        )
        assert list(spring_batch.lines.values_list("student_name", flat=True)) == ["王小明"]

    def test_a_year_payment_is_made_once_a_school_year(self, cast):
        program = approved_roster(cast, students=STUDENTS[:1], pay_period="year")
        batch = batch_create(actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash")
        assert batch.lines.get().period == str(cast.term.pk)
        with pytest.raises(ValidationError):
            batch_create(actor=cast.li, school=cast.school, program=program, term=spring(cast), method="cash")

    def test_a_monthly_program_pays_a_tenth_of_the_year_each_month(self, cast):
        program = approved_roster(cast, students=STUDENTS[:1], pay_period="month")
        with pytest.raises(ValidationError) as refused:
            batch_create(actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash")
        assert codes(refused.value) == {"month"}
        with pytest.raises(ValidationError):
            batch_create(
                actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash",
                month=date(2027, 3, 1),
            )  # fmt: skip
        batch = batch_create(
            actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash", month=date(2026, 11, 5)
        )
        line = batch.lines.get()
        assert batch.month == date(2026, 11, 1)
        assert line.period == f"{cast.term.pk}-2026-11" and line.amount == Decimal("62.50")
        december = batch_create(
            actor=cast.li, school=cast.school, program=program, term=cast.term, method="cash", month=date(2026, 12, 1)
        )
        assert december.lines.get().period == f"{cast.term.pk}-2026-12"

    def test_a_years_monthly_shares_add_up_to_the_fen(self):
        amount = Decimal("2300.07")
        shares = [month_share(amount, index) for index in range(1, 11)]
        assert sum(shares) == amount and shares[0] == Decimal("230.00") and shares[-1] == Decimal("230.07")

    def test_a_term_pays_five_months_from_the_month_it_begins(self, cast):
        assert term_months(cast.term)[0] == cast.term.start.replace(day=1) and len(term_months(cast.term)) == 5


class TestEditing:
    def test_a_line_is_taken_out_with_its_reason_and_audited(self, cast):
        batch = made_batch(cast)
        line = batch.lines.first()
        with pytest.raises(ValidationError):
            line_cancel(actor=cast.li, line=line, reason="  ")
        line_cancel(actor=cast.li, line=line, reason="学生已转学")
        line.refresh_from_db()
        assert line.status == "cancelled" and line.cancel_reason == "学生已转学"
        assert AuditEvent.objects.for_object(line).get(action="transition").reason == "学生已转学"

    def test_regenerating_cancels_what_stopped_and_adds_what_is_now_due(self, cast):
        batch = made_batch(cast)
        gone = batch.lines.get(student_name="赵小雨")
        type(gone.student).objects.filter(pk=gone.student_id).update(
            status="transferred_out", status_since=date(2026, 11, 1)
        )
        line_cancel(actor=cast.li, line=batch.lines.get(student_name="艾米"), reason="暂缓")
        result = batch_regenerate(actor=cast.li, batch=batch)
        assert result == {"added": 1, "cancelled": 1, "refreshed": 0}
        gone.refresh_from_db()
        assert gone.status == "cancelled" and gone.cancel_reason
        assert batch.lines.filter(student_name="艾米", status="pending").count() == 1

    def test_an_approved_batch_is_locked(self, cast):
        batch = approved_batch(cast)
        with pytest.raises(InvalidTransition):
            line_cancel(actor=cast.li, line=batch.lines.first(), reason="x")
        with pytest.raises(InvalidTransition):
            batch_regenerate(actor=cast.li, batch=batch)
        assert batch.lines.filter(status="pending").count() == 4


class TestDecision:
    def test_the_principal_approves_and_it_is_audited(self, cast):
        batch = approved_batch(cast)
        assert batch.status == "approved" and batch.approved_by == cast.zhang and batch.advance_reason == ""
        event = AuditEvent.objects.for_object(batch).filter(action="transition").latest("pk")
        assert event.actor == cast.zhang and event.changes["status"] == ["submitted", "approved"]

    def test_the_preparer_cannot_approve(self, cast):
        batch = submitted_batch(cast)
        cast.li.memberships.create(role="principal", school=cast.school)
        cast.li._aidsys_scope = None
        del cast.li._aidsys_scope
        with pytest.raises(ValidationError) as refused:
            batch_approve(actor=cast.li, batch=batch)
        assert codes(refused.value) == {"same_person"}

    def test_only_the_principal_decides(self, cast):
        batch = submitted_batch(cast)
        for user in (cast.wang, cast.zhao, cast.outsider):
            with pytest.raises(PermissionDenied):
                batch_approve(actor=user, batch=batch)
            with pytest.raises(PermissionDenied):
                batch_return(actor=user, batch=batch, comment="x")

    def test_a_batch_beyond_the_funds_received_is_refused(self, cast):
        batch = submitted_batch(cast, funded=False)
        funds(cast, batch.program, amount="2000.00")
        with pytest.raises(ValidationError) as refused:
            batch_approve(actor=cast.zhang, batch=batch)
        assert codes(refused.value) == {"funds"}
        batch.refresh_from_db()
        assert batch.status == "submitted"

    def test_other_approved_batches_use_up_the_funds(self, cast):
        first = made_batch(cast, funded=False)
        funds(cast, first.program, amount="2000.00")
        line_cancel(actor=cast.li, line=first.lines.get(student_name="曾小红"), reason="另批发放")
        batch_approve(actor=cast.zhang, batch=batch_submit(actor=cast.li, batch=first))  # 1875 of 2000
        second = batch_create(actor=cast.li, school=cast.school, program=first.program, term=cast.term, method="cash")
        batch_submit(actor=cast.li, batch=second)
        with pytest.raises(ValidationError) as refused:
            batch_approve(actor=cast.zhang, batch=second)  # 500 > 125 left
        assert codes(refused.value) == {"funds"} and "125.00" in refused.value.messages[0]

    def test_an_advance_needs_the_countys_allowance_and_a_reason(self, cast):
        cast.county.payment_advance_allowed = True
        cast.county.save()
        batch = submitted_batch(cast, funded=False)
        with pytest.raises(ValidationError) as refused:
            batch_approve(actor=cast.zhang, batch=batch)
        assert codes(refused.value) == {"advance_reason"}
        batch = batch_approve(actor=cast.zhang, batch=batch, advance_reason="资金未到位，县局同意先行垫付")
        assert batch.advance_reason == "资金未到位，县局同意先行垫付"
        event = AuditEvent.objects.for_object(batch).filter(action="transition").latest("pk")
        assert event.reason == "资金未到位，县局同意先行垫付" and event.changes["total"] == [None, "2375.00"]

    def test_a_return_needs_a_comment_and_the_aid_office_submits_again(self, cast):
        batch = submitted_batch(cast)
        with pytest.raises(ValidationError):
            batch_return(actor=cast.zhang, batch=batch, comment=" ")
        batch = batch_return(actor=cast.zhang, batch=batch, comment="请核对二班名单")
        assert batch.status == "returned" and batch.return_comment == "请核对二班名单"
        line_cancel(actor=cast.li, line=batch.lines.first(), reason="核对后暂缓")
        batch = batch_submit(actor=cast.li, batch=batch)
        assert batch.status == "submitted" and batch.return_comment == ""

    def test_a_card_batch_with_a_line_without_account_is_not_submitted(self, cast):
        batch = made_batch(cast, method="bank_card")
        PaymentLine.objects.filter(batch=batch, student_name="艾米").update(account_number="")
        with pytest.raises(ValidationError) as refused:
            batch_submit(actor=cast.li, batch=batch)
        assert codes(refused.value) == {"no_account"} and "艾米" in refused.value.messages[0]

    def test_an_account_recorded_after_the_batch_was_made_is_taken_in_by_updating_the_batch(self, cast):
        from students.services import student_update
        from tests.disbursements.bank_data import card as card_number

        batch = made_batch(cast, method="bank_card")
        line = batch.lines.get(student_name="艾米")
        PaymentLine.objects.filter(pk=line.pk).update(account_number="")
        student = line.student
        type(student).objects.filter(pk=student.pk).update(account_number="", account_kind="")
        student.refresh_from_db()
        student_update(
            actor=cast.li,
            student=student,
            data={"account_kind": "bank_card", "account_number": card_number(77), "account_bank": "农行"},
        )

        assert batch_regenerate(actor=cast.li, batch=batch) == {"added": 0, "cancelled": 0, "refreshed": 1}
        line.refresh_from_db()
        assert line.status == "pending" and line.account_number == card_number(77) and line.account_bank == "农行"
        event = AuditEvent.objects.for_object(line).filter(action="update").get()
        assert card_number(77) not in str(event.changes)
        assert batch_submit(actor=cast.li, batch=batch).status == "submitted"

    def test_deciding_twice_is_refused(self, cast):
        batch = approved_batch(cast)
        with pytest.raises(InvalidTransition):
            batch_approve(actor=cast.zhang, batch=batch)
        with pytest.raises(InvalidTransition):
            batch_return(actor=cast.zhang, batch=batch, comment="x")


class TestPaying:
    def test_only_an_approved_batch_is_printed_exported_or_paid(self, cast):
        batch = made_batch(cast)
        with pytest.raises(InvalidTransition):
            require_approved(batch)
        with pytest.raises(InvalidTransition):
            line_mark_paid(actor=cast.li, line=batch.lines.first(), paid_on=date(2026, 11, 23))

    def test_a_line_is_marked_paid_once(self, cast):
        batch = approved_batch(cast)
        require_approved(batch)
        line = batch.lines.first()
        line_mark_paid(actor=cast.li, line=line, paid_on=date(2026, 11, 23), student_signed=True)
        line.refresh_from_db()
        assert line.status == "paid" and line.paid_on == date(2026, 11, 23) and line.student_signed
        assert AuditEvent.objects.for_object(line).get(action="transition").actor == cast.li
        with pytest.raises(InvalidTransition):
            line_mark_paid(actor=cast.li, line=line, paid_on=date(2026, 11, 24))


class TestPages:
    def test_the_list_shows_the_schools_batches(self, cast, client_for):
        batch = made_batch(cast)
        for user in (cast.li, cast.zhang, cast.zhao):
            response = client_for(user).get(reverse("disbursements:batch_list"))
            assert response.status_code == 200 and batch.number in response.content.decode()
        assert client_for(cast.wang).get(reverse("disbursements:batch_list")).status_code == 403

    def test_the_detail_masks_and_is_scoped(self, cast, client_for):
        batch = made_batch(cast, method="bank_card")
        response = client_for(cast.zhang).get(batch.get_absolute_url())
        page = response.content.decode()
        masked = cn.mask_account_number("6228480402564890018")
        assert response.status_code == 200 and masked in page and "6228480402564890018" not in page
        student = batch.lines.first().student
        assert student.id_number not in page
        assert client_for(cast.outsider).get(batch.get_absolute_url()).status_code == 404
        assert client_for(cast.wang).get(batch.get_absolute_url()).status_code == 404

    def test_the_aid_office_makes_a_batch_from_the_form(self, cast, client_for):
        program = approved_roster(cast)
        url = reverse("disbursements:batch_create", args=[cast.school.pk])
        assert client_for(cast.li).get(url).status_code == 200
        response = client_for(cast.li).post(url, {"program": program.pk, "term": cast.term.pk, "method": "meal_card"})
        assert response.status_code == 400
        response = client_for(cast.li).post(url, {"program": program.pk, "term": cast.term.pk, "method": "cash"})
        assert response.status_code == 302
        assert client_for(cast.zhang).get(url).status_code == 403
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(cast.li).put(url).status_code == 405

    def test_submit_then_approve_and_return_through_the_pages(self, cast, client_for):
        batch = made_batch(cast)
        assert client_for(cast.zhang).post(reverse("disbursements:batch_submit", args=[batch.pk])).status_code == 403
        assert client_for(cast.li).post(reverse("disbursements:batch_submit", args=[batch.pk])).status_code == 302
        assert client_for(cast.li).post(reverse("disbursements:batch_approve", args=[batch.pk])).status_code == 403
        response = client_for(cast.zhang).post(reverse("disbursements:batch_return", args=[batch.pk]), {"comment": ""})
        assert response.status_code == 400
        response = client_for(cast.zhang).post(reverse("disbursements:batch_approve", args=[batch.pk]))
        assert response.status_code == 302
        batch.refresh_from_db()
        assert batch.status == "approved"
        assert client_for(cast.zhang).put(reverse("disbursements:batch_approve", args=[batch.pk])).status_code == 405

    def test_a_line_is_taken_out_from_the_page(self, cast, client_for):
        batch = made_batch(cast)
        line = batch.lines.first()
        url = reverse("disbursements:line_cancel", args=[line.pk])
        assert client_for(cast.outsider).post(url, {"reason": "x"}).status_code == 404
        assert client_for(cast.zhang).post(url, {"reason": "x"}).status_code == 403
        assert client_for(cast.li).post(url, {"reason": "已转学"}).status_code == 302
        line.refresh_from_db()
        assert line.status == "cancelled"

    def test_the_class_teacher_sees_the_payments_of_their_class_only(self, cast, client_for):
        approved_batch(cast)
        response = client_for(cast.wang).get(reverse("disbursements:class_payments"))
        page = response.content.decode()
        assert response.status_code == 200
        assert "王小明" in page and "艾米" in page and "赵小雨" not in page
        outsider_page = client_for(cast.outsider).get(reverse("disbursements:class_payments")).content.decode()
        assert "王小明" not in outsider_page


class TestTodo:
    def test_the_principal_is_asked_to_approve_and_the_aid_office_sees_returns(self, cast):
        batch = submitted_batch(cast)
        titles = [
            str(item.title) for item in todo_for(cast.zhang) if "disbursements" in item.url or "batches" in item.url
        ]
        assert len(titles) == 1
        assert not [item for item in todo_for(cast.li) if "batches" in item.url]
        batch_return(actor=cast.zhang, batch=batch, comment="请核对")
        assert [item.count for item in todo_for(cast.li) if "batches" in item.url] == [1]
        assert not [item for item in todo_for(cast.zhang) if "batches" in item.url]
