from publicity.views import county, notices, public

app_name = "publicity"

urlpatterns = [
    *notices.urlpatterns,
    *public.urlpatterns,
    *county.urlpatterns,
]
