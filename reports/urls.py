"""The reports' pages: each views module brings its own urlpatterns."""

from reports.views import exports

app_name = "reports"

urlpatterns: list = [
    *exports.urlpatterns,
]
