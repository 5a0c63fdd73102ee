"""The reports' pages: each views module brings its own urlpatterns."""

from reports.views import dashboards

app_name = "reports"

urlpatterns: list = [
    *dashboards.urlpatterns,
]
