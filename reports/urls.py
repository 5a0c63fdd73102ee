"""The reports' pages: each views module brings its own urlpatterns."""

from reports.views import annual, dashboards, exports, layouts

app_name = "reports"

urlpatterns: list = [
    *dashboards.urlpatterns,
    *exports.urlpatterns,
    *layouts.urlpatterns,
    *annual.urlpatterns,
]
