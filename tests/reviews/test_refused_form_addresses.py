"""A refused review form is shown again at the address it was sent to, and that address shows the page on
GET too: reloading it, or opening it again from the history, never answers 405."""

from datetime import date

from reviews.models import ReviewPanel
from reviews.services import panel_save
from tests.refusals import assert_summary_before, summary_lines
from tests.reviews.conftest import approved, submitted
from tests.reviews.test_signoff import submit


class TestFirstReview:
    def test_the_recommend_address_shows_the_first_review_with_its_form(self, cast, program, client_for):
        application = submitted(cast, program)
        response = client_for(cast.wang).get(f"/reviews/applications/{application.pk}/recommend/")
        assert response.status_code == 200
        assert response.context["application"] == application
        assert f'action="/reviews/applications/{application.pk}/recommend/"' in response.content.decode()

    def test_a_refused_recommendation_shows_the_summary_before_the_form(self, cast, program, client_for):
        application = submitted(cast, program)
        url = f"/reviews/applications/{application.pk}/recommend/"
        response = client_for(cast.wang).post(url, {"tier": "difficult"})
        assert response.status_code == 400
        html = response.content.decode()
        assert_summary_before(html, f'action="{url}"')
        ((line, target),) = summary_lines(html)
        assert line.startswith("未家访原因：学生") and target == "id_no_visit_reason"

    def test_the_return_address_shows_the_page_and_a_refusal_its_summary(self, cast, program, client_for):
        application = submitted(cast, program)
        url = f"/reviews/applications/{application.pk}/return/"
        client = client_for(cast.wang)
        assert client.get(url).status_code == 200
        html = client.post(url, {"comment": ""}).content.decode()
        assert_summary_before(html, f'action="{url}"')
        assert [target for _line, target in summary_lines(html)] == ["id_comment"]

    def test_the_not_recommend_address_shows_the_page_and_a_refusal_its_summary(self, cast, program, client_for):
        application = submitted(cast, program)
        url = f"/reviews/applications/{application.pk}/not-recommend/"
        client = client_for(cast.wang)
        assert client.get(url).status_code == 200
        response = client.post(url, {"reason": ""})
        assert response.status_code == 400
        html = response.content.decode()
        assert_summary_before(html, f'action="{url}"')
        assert [target for _line, target in summary_lines(html)] == ["id_reason"]

    def test_the_addresses_keep_the_pages_scope(self, cast, program, client_for):
        application = submitted(cast, program)
        for action in ("recommend", "return", "not-recommend"):
            url = f"/reviews/applications/{application.pk}/{action}/"
            assert client_for(cast.outsider).get(url).status_code == 404
            assert client_for(cast.li).get(url).status_code == 403
            assert client_for(cast.wang).put(url).status_code == 405


class TestPanelMember:
    def test_the_member_address_shows_the_panel_and_a_refusal_its_summary(self, cast, client_for):
        panel = panel_save(actor=cast.li, school=cast.school, term=cast.term, formed_on=date(2026, 9, 25))
        url = f"/reviews/panels/{panel.pk}/members/"
        client = client_for(cast.li)
        response = client.get(url)
        assert response.status_code == 200 and response.context["panel"] == panel
        html = client.post(url, {"name": "", "role": "leader"}).content.decode()
        assert_summary_before(html, f'action="{url}"')
        assert [target for _line, target in summary_lines(html)] == ["id_name"]
        assert client_for(cast.outsider).get(url).status_code == 404
        assert client_for(cast.wang).get(url).status_code == 403
        assert ReviewPanel.objects.get().members.count() == 0


class TestSignoffReturn:
    def test_the_return_address_shows_the_roster_and_a_refusal_its_summary(self, cast, program, client_for):
        approved(cast, program)
        signoff = submit(cast, program)
        url = f"/reviews/signoffs/{signoff.pk}/return/"
        client = client_for(cast.zhang)
        response = client.get(url)
        assert response.status_code == 200 and response.context["signoff"] == signoff
        html = client.post(url, {"comment": ""}).content.decode()
        assert_summary_before(html, f'action="{url}"')
        assert [target for _line, target in summary_lines(html)] == ["id_comment"]
        assert client_for(cast.outsider).get(url).status_code == 404
