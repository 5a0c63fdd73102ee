import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aidsys.models import AuditEvent, Role
from reviews.models import RosterSignoff
from reviews.services import InvalidTransition, roster_return, roster_sign, roster_submit
from tests.factories import MembershipFactory, StudentFactory, UserFactory
from tests.reviews.conftest import approved, recommended, submitted


def submit(cast, program, actor=None):
    return roster_submit(actor=actor or cast.li, school=cast.school, program=program, term=cast.term)


def signoff_page(cast, program):
    return f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/signoff/"


class TestSubmit:
    def test_the_aid_office_submits_and_the_roster_is_pending(self, cast, program):
        approved(cast, program)
        signoff = submit(cast, program)
        assert (signoff.status, signoff.version, signoff.submitted_by) == ("pending", 0, cast.li)
        assert AuditEvent.objects.for_object(signoff).get().action == AuditEvent.Action.CREATE

    @pytest.mark.parametrize("status", ["submitted", "sent_back"])
    def test_it_is_refused_while_first_review_is_open(self, cast, program, status):
        approved(cast, program)
        submitted(cast, program, status=status)
        with pytest.raises(ValidationError) as refused:
            submit(cast, program)
        assert refused.value.code == "first_review_open"
        assert not RosterSignoff.objects.exists()

    def test_the_refusal_names_each_application_with_its_class_and_state(self, cast, program):
        approved(cast, program)
        waiting = submitted(cast, program, student=StudentFactory(school_class=cast.class_1, name="陈小明"))
        sent_back = submitted(
            cast, program, status="sent_back", student=StudentFactory(school_class=cast.class_2, name="刘小红")
        )
        submitted(cast, program, status="returned", student=StudentFactory(school_class=cast.class_1, name="周小刚"))
        with pytest.raises(ValidationError) as refused:
            submit(cast, program)
        message = " ".join(refused.value.messages)
        assert f"{waiting.student.name}（{cast.class_1.name}，待初审）" in message
        assert f"{sent_back.student.name}（{cast.class_2.name}，退回班主任）" in message
        assert "还有 2 份申请在班主任初审中" in message and "义务教育生活补助" in message
        assert "周小刚" not in message

    def test_a_long_refusal_names_ten_and_counts_the_rest(self, cast, program):
        approved(cast, program)
        for _index in range(12):
            submitted(cast, program)
        with pytest.raises(ValidationError) as refused:
            submit(cast, program)
        message = " ".join(refused.value.messages)
        assert message.count("待初审") == 10
        assert "等另外 2 份" in message

    def test_recommended_applications_left_over_stay_as_the_waiting_list(self, cast, program):
        approved(cast, program)
        recommended(cast, program)
        submitted(cast, program, status="returned")
        assert submit(cast, program).status == "pending"

    def test_nothing_approved_nothing_to_sign(self, cast, program):
        recommended(cast, program)
        with pytest.raises(ValidationError) as refused:
            submit(cast, program)
        assert refused.value.code == "nothing_approved"

    def test_a_second_submission_is_refused(self, cast, program):
        approved(cast, program)
        submit(cast, program)
        with pytest.raises(InvalidTransition):
            submit(cast, program)

    def test_only_the_aid_office_submits(self, cast, program):
        approved(cast, program)
        with pytest.raises(PermissionDenied):
            submit(cast, program, actor=cast.zhang)


class TestSignAndReturn:
    def test_the_principal_signs_and_the_version_counts_up(self, cast, program):
        approved(cast, program)
        signoff = roster_sign(actor=cast.zhang, signoff=submit(cast, program))
        assert (signoff.status, signoff.version, signoff.decided_by) == ("signed", 1, cast.zhang)
        event = AuditEvent.objects.for_object(signoff).order_by("pk").last()
        assert event.changes == {"status": ["pending", "signed"], "version": [0, 1]}
        assert signoff.locked

    def test_a_double_click_on_sign_is_refused_and_signs_once(self, cast, program):
        approved(cast, program)
        signoff = submit(cast, program)
        stale = RosterSignoff.objects.get(pk=signoff.pk)
        roster_sign(actor=cast.zhang, signoff=signoff)
        with pytest.raises(InvalidTransition) as refused:
            roster_sign(actor=cast.zhang, signoff=stale)
        assert refused.value.code == "already_dealt_with"
        assert RosterSignoff.objects.get().version == 1

    def test_a_return_needs_a_comment_and_lets_the_aid_office_decide_and_submit_again(self, cast, program, quota):
        approved(cast, program)
        signoff = submit(cast, program)
        with pytest.raises(ValidationError):
            roster_return(actor=cast.zhang, signoff=signoff, comment="")
        roster_return(actor=cast.zhang, signoff=signoff, comment="三(2)班名单请复核")
        assert signoff.status == "returned" and not signoff.locked
        again = submit(cast, program)
        assert again.pk == signoff.pk and again.status == "pending"

    @pytest.mark.parametrize("who", ["li", "wang", "zhao"])
    def test_only_the_principal_signs(self, cast, program, who):
        approved(cast, program)
        signoff = submit(cast, program)
        with pytest.raises(PermissionDenied):
            roster_sign(actor=getattr(cast, who), signoff=signoff)


class TestSignoffPage:
    def test_the_summary_shows_classes_and_tiers_with_counts_and_amounts(self, cast, program, client_for):
        approved(cast, program, tier="especially_difficult", amount="750.00")
        approved(cast, program, tier="difficult", amount="625.00")
        approved(cast, program, tier="difficult", amount="625.00", school_class=cast.class_2)
        recommended(cast, program)
        submit(cast, program)
        response = client_for(cast.zhang).get(signoff_page(cast, program))
        summary = response.context["summary"]
        assert summary.total.count == 3 and summary.total.amount == Decimal("2000.00")
        first = summary.rows[0]
        assert first[0] == cast.class_1 and first[2].count == 2 and first[2].amount == Decimal("1375.00")
        assert first[3] == 1 and summary.waiting == 1
        html = response.content.decode()
        assert 'data-testid="total-amount">2000.00<' in html
        # 一班: 特别困难 1 × 750.00, 困难 1 × 625.00, 一般困难 none; the tiers' totals in bold.
        first_row = html[html.index(f'<th scope="row">{cast.class_1.name}</th>') :].split("</tr>")[0]
        assert '<td class="text-end">1</td><td class="text-end">750.00</td>' in first_row
        assert '<td class="text-end">1</td><td class="text-end">625.00</td>' in first_row
        assert '<td class="text-end">0</td><td class="text-end">0.00</td>' in first_row
        assert '<td class="text-end fw-bold">2</td><td class="text-end fw-bold">1250.00</td>' in html
        assert "/sign/" in html

    def test_the_summary_counts_what_is_still_open_revoked_and_replaced(self, cast, program, quota, client_for):
        from reviews.selectors import signoff_summary

        revoked = approved(cast, program, status="revoked")
        approved(cast, program, replaces=revoked, school_class=cast.class_2)
        approved(cast, program, tier="especially_difficult", amount="750.00")
        submitted(cast, program)
        submitted(cast, program, status="sent_back", school_class=cast.class_2)
        recommended(cast, program, school_class=cast.class_2)
        submitted(cast, program, status="rejected")
        summary = signoff_summary(school=cast.school, program=program, term=cast.term)
        assert (summary.at_first_review, summary.revoked, summary.replacements, summary.waiting) == (2, 1, 1, 1)
        assert summary.total.count == 2 and summary.total.amount == Decimal("1375.00")
        assert [(row[0], row[2].count, row[3]) for row in summary.rows] == [(cast.class_1, 1, 0), (cast.class_2, 1, 1)]
        assert sorted((g.school_class_id, g.tier, g.awards, g.amount) for g in summary.approved_use) == sorted(
            [
                (cast.class_1.pk, "especially_difficult", 1, Decimal("750.00")),
                (cast.class_2.pk, "difficult", 1, Decimal("625.00")),
            ]
        )

    def test_the_principal_sees_the_schools_quota_allocated_used_and_remaining(self, cast, program, quota, client_for):
        approved(cast, program)
        approved(cast, program, school_class=cast.class_2)
        submit(cast, program)
        response = client_for(cast.zhang).get(signoff_page(cast, program))
        assert [(q.awards, q.awards_used, q.awards_remaining) for q in response.context["quotas"]] == [(10, 2, 8)]
        html = response.content.decode()
        assert "学校名额（所有档次）" in html and 'data-testid="quota-remaining">8<' in html

    def test_the_aid_office_reads_it_without_the_signature(self, cast, program, client_for):
        approved(cast, program)
        submit(cast, program)
        html = client_for(cast.li).get(signoff_page(cast, program)).content.decode()
        assert "/sign/" not in html

    def test_sign_and_return_through_the_page(self, cast, program, client_for):
        approved(cast, program)
        signoff = submit(cast, program)
        client = client_for(cast.zhang)
        response = client.post(f"/reviews/signoffs/{signoff.pk}/return/", {"comment": ""})
        assert response.status_code == 400
        client.post(f"/reviews/signoffs/{signoff.pk}/return/", {"comment": "请复核"})
        assert RosterSignoff.objects.get().status == "returned"
        client_for(cast.li).post(f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/submit/")
        client = client_for(cast.zhang)
        client.post(f"/reviews/signoffs/{signoff.pk}/sign/")
        assert RosterSignoff.objects.get().status == "signed"

    def test_a_refused_submission_is_shown_on_the_roster_page_with_a_link_to_each_blocking_application(
        self, cast, program, client_for
    ):
        blocking = submitted(cast, program, student=StudentFactory(school_class=cast.class_2, name="陈小明"))
        approved(cast, program)
        response = client_for(cast.li).post(
            f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/submit/", follow=True
        )
        assert response.redirect_chain[-1][0] == f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/"
        assert not RosterSignoff.objects.exists()
        page = response.content.decode()
        assert "还有 1 份申请在班主任初审中：陈小明" in page
        listed = re.findall(r'data-testid="submission-blocker">(.*?)</li>', page, re.S)
        assert len(listed) == 1
        assert f'href="/applications/{blocking.pk}/"' in listed[0]
        assert "陈小明" in listed[0] and cast.class_2.name in listed[0] and "待初审" in listed[0]
        assert "义务教育生活补助" in listed[0]

    def test_the_roster_page_lists_no_blocker_once_first_review_is_done(self, cast, program, client_for):
        approved(cast, program)
        submitted(cast, program, status="returned")
        page = client_for(cast.li).get(f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/")
        assert 'data-testid="submission-blockers"' not in page.content.decode()

    def test_another_schools_aid_office_neither_submits_nor_sees_the_blockers(self, cast, program, client_for):
        submitted(cast, program)
        approved(cast, program)
        other = UserFactory(username="sun")
        MembershipFactory(user=other, role=Role.AID_OFFICE, school=cast.sibling_school)
        client = client_for(other)
        roster = f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/"
        assert client.post(roster + "submit/").status_code == 404
        assert client.get(roster).status_code == 404


class TestQueryCounts:
    def test_the_summary_and_the_roster_page_cost_the_same_queries_for_ten_times_the_rows(
        self, cast, program, client_for
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from tests.factories import SchoolClassFactory

        client = client_for(cast.zhang)
        classes = [cast.class_1, cast.class_2] + [
            SchoolClassFactory(school=cast.school, school_year=cast.school_year, grade=22, number=n) for n in (1, 2, 3)
        ]

        def add(n):
            for index in range(n):
                school_class = classes[index % len(classes)]
                tier = ("especially_difficult", "difficult", "generally_difficult")[index % 3]
                approved(cast, program, tier=tier, school_class=school_class)
                if index % 4 == 0:
                    recommended(cast, program, school_class=school_class)

        def queries():
            counts = []
            for url in (signoff_page(cast, program), f"/reviews/schools/{cast.school.pk}/{program.pk}/{cast.term.pk}/"):
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url).status_code == 200
                counts.append(len(captured))
            return counts

        add(20)
        few = queries()
        add(180)
        assert queries() == few
