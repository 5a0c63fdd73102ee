"""official: filled by its own work."""

urlpatterns = []
