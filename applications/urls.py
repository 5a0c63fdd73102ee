from applications.views import applications, evidence, programs, quotas

app_name = "applications"

urlpatterns = [
    *programs.urlpatterns,
    *quotas.urlpatterns,
    *applications.urlpatterns,
    *evidence.urlpatterns,
]
