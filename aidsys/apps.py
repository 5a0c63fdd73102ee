from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidsysConfig(AppConfig):
    name = "aidsys"
    verbose_name = _("Organisation, people and audit")

    def ready(self):
        from aidsys import checks, signals  # noqa: F401  (registers the checks, connects the login audit handlers)
