from disbursements.views import bank, batches, cash, funds, leftovers

app_name = "disbursements"

urlpatterns = [
    *batches.urlpatterns,
    *funds.urlpatterns,
    *cash.urlpatterns,
    *bank.urlpatterns,
    *leftovers.urlpatterns,
]
