"""The reports' pages: each views module brings its own urlpatterns."""

app_name = "reports"

urlpatterns: list = []
