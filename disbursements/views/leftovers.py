"""Leftovers (结余) and the family notice (资助告知书): the pages of the disbursement stage."""

urlpatterns = []
