"""Funds received (资金到位): the pages of the disbursement stage."""

urlpatterns = []
