from applications.views import applications, programs, quotas

app_name = "applications"

urlpatterns = [
    *programs.urlpatterns,
    *quotas.urlpatterns,
    *applications.urlpatterns,
]
