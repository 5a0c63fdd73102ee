"""exports: filled by its own work."""

urlpatterns = []
