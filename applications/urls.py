from applications.views import programs, quotas

app_name = "applications"

urlpatterns = [
    *programs.urlpatterns,
    *quotas.urlpatterns,
]
