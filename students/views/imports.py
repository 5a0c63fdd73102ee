"""imports: filled by its own work."""

urlpatterns = []
