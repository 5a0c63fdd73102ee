"""The disbursement records in the admin: the system administrator reads them, changes none, sees no full account."""

import pytest
from django.contrib import admin
from django.urls import reverse

from aidsys import cn
from tests.disbursements.admin_data import ACCOUNT_NUMBER, disbursement_records

MODELS = [model for model in admin.site._registry if model._meta.app_label == "disbursements"]


def admin_url(model, page, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def test_every_disbursement_model_is_registered():
    names = {model._meta.model_name for model in MODELS}
    assert names == {
        "fundallocation",
        "bankfilelayout",
        "paymentbatch",
        "paymentline",
        "returnfileimport",
        "leftoverreport",
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.model_name)
class TestReadOnly:
    def test_the_list_and_the_row_answer_without_the_full_account_number(self, cast, client_for, model):
        disbursement_records(cast)
        client = client_for(cast.admin)
        row = model._default_manager.first()
        for url in (admin_url(model, "changelist"), admin_url(model, "change", row.pk)):
            page = client.get(url)
            assert page.status_code == 200, url
            assert ACCOUNT_NUMBER not in page.content.decode(), url

    def test_nothing_is_added_changed_or_deleted(self, cast, client_for, model):
        disbursement_records(cast)
        client = client_for(cast.admin)
        row = model._default_manager.first()
        assert client.get(admin_url(model, "add")).status_code == 403
        assert client.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
        assert model._default_manager.filter(pk=row.pk).exists()


class TestAccountNumbers:
    def test_the_line_list_shows_the_masked_account(self, cast, client_for):
        line = disbursement_records(cast)
        page = client_for(cast.admin).get(reverse("admin:disbursements_paymentline_changelist"))
        html = page.content.decode()
        assert cn.mask_account_number(ACCOUNT_NUMBER) in html and line.reference in html

    def test_a_search_by_account_number_finds_nothing(self, cast, client_for):
        disbursement_records(cast)
        page = client_for(cast.admin).get(reverse("admin:disbursements_paymentline_changelist"), {"q": ACCOUNT_NUMBER})
        assert page.status_code == 200 and page.context["cl"].result_count == 0

    def test_a_change_of_a_line_is_not_accepted(self, cast, client_for):
        line = disbursement_records(cast)
        client_for(cast.admin).post(
            reverse("admin:disbursements_paymentline_change", args=[line.pk]), {"status": "paid", "amount": "1"}
        )
        line.refresh_from_db()
        assert (line.status, line.account_number) == ("pending", ACCOUNT_NUMBER)

    def test_the_return_file_is_not_offered(self, cast, client_for):
        line = disbursement_records(cast)
        record = line.batch.return_files.get()
        page = client_for(cast.admin).get(reverse("admin:disbursements_returnfileimport_change", args=[record.pk]))
        assert "payments/returns/" not in page.content.decode()
