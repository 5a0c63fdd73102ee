"""A refused decision on a batch is shown again at the address it was sent to, which shows the batch on GET too;
a refused settings form says what is wrong once, at the top."""

from django.urls import reverse

from tests.disbursements.batch_data import submitted_batch
from tests.disbursements.test_county_settings import form_data, settings_url
from tests.refusals import assert_summary_before, summary_lines


class TestBatchDecisions:
    def test_the_approve_and_return_addresses_show_the_batch(self, cast, client_for):
        batch = submitted_batch(cast)
        for name in ("batch_approve", "batch_return"):
            url = reverse(f"disbursements:{name}", args=[batch.pk])
            response = client_for(cast.zhang).get(url)
            assert response.status_code == 200 and response.context["batch"] == batch
            assert client_for(cast.outsider).get(url).status_code == 404
            assert client_for(cast.zhang).put(url).status_code == 405

    def test_a_refused_return_shows_the_summary_before_the_form(self, cast, client_for):
        batch = submitted_batch(cast)
        url = reverse("disbursements:batch_return", args=[batch.pk])
        response = client_for(cast.zhang).post(url, {"comment": ""})
        assert response.status_code == 400
        html = response.content.decode()
        assert_summary_before(html, f'action="{url}"')
        assert [target for _line, target in summary_lines(html)] == ["id_comment"]
        batch.refresh_from_db()
        assert batch.status == "submitted"


class TestPaymentSettings:
    def test_a_refused_telephone_is_listed_once_at_the_top_with_its_school(self, cast, client_for):
        response = client_for(cast.zhao).post(settings_url(cast.county), form_data(cast, sibling_phone="84210000"))
        assert response.status_code == 400
        html = response.content.decode()
        assert_summary_before(html, f'action="{settings_url(cast.county)}"')
        ((line, target),) = summary_lines(html)
        assert line.startswith(f"{cast.sibling_school.name}的投诉举报电话：")
        assert target == f"id_school_{cast.sibling_school.pk}"
        assert "84210000" not in html.split('data-testid="error-summary"')[0]
