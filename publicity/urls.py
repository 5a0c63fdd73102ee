from publicity.views import county, notices, objections, public

app_name = "publicity"

urlpatterns = [
    *notices.urlpatterns,
    *public.urlpatterns,
    *county.urlpatterns,
    *objections.urlpatterns,
]
