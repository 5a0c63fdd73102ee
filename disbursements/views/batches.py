"""Payment batches: the pages of the disbursement stage."""

urlpatterns = []
