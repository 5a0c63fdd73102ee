from disbursements.views import bank, batches, cash, county_settings, funds, leftovers

app_name = "disbursements"

urlpatterns = [
    *batches.urlpatterns,
    *funds.urlpatterns,
    *cash.urlpatterns,
    *bank.urlpatterns,
    *leftovers.urlpatterns,
    *county_settings.urlpatterns,
]
