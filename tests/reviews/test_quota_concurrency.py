"""Quotas are hard limits under concurrent approvals too (DESIGN.md §4): 20 approvers, 10 places."""

import threading

import pytest
from django.db import connections

from applications.models import Application
from applications.services.quota_limits import QuotaExceeded
from reviews.services import application_approve
from tests.factories import QuotaFactory
from tests.reviews.conftest import recommended


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_approvals_against_a_quota_of_ten_approve_exactly_ten(cast, program):
    QuotaFactory(program=program, term=cast.term, school=cast.school, awards=10)
    applications = [recommended(cast, program) for _ in range(20)]
    start = threading.Barrier(len(applications))
    approved, refused, errors = [], [], []

    def approve(application):
        try:
            start.wait()
            application_approve(actor=cast.li, application=application, tier="difficult")
            approved.append(application.pk)
        except QuotaExceeded as error:
            refused.append(error.messages[0])
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(application,)) for application in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(approved) == 10 and len(refused) == 10
    assert all("0" in message and "10" in message for message in refused)
    assert Application.objects.filter(status="approved").count() == 10
    assert Application.objects.filter(status="recommended").count() == 10
