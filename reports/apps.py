from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and statistics")

    def ready(self):
        # Each report registers itself in REPORTS when its module is imported; the registry also gives
        # the students' export page its job (students never import reports).
        from reports import aided, catalogue, registry  # noqa: F401
