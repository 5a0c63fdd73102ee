"""The reports' pages: each views module brings its own urlpatterns."""

from reports.views import annual, layouts

app_name = "reports"

urlpatterns: list = [*layouts.urlpatterns, *annual.urlpatterns]
