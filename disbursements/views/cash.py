"""Cash against signatures (现金签领): the pages of the disbursement stage."""

urlpatterns = []
