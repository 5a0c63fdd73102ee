from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import import_string, module_has_submodule

from aidsys import demo


class Command(BaseCommand):
    help = "Load the demo county, schools, classes, users and students. Running it again changes nothing."

    def handle(self, *args, **options):
        if not settings.AIDSYS_DEMO_ALLOWED:
            raise CommandError("seed_demo loads accounts with a published password: only with AIDSYS_DEBUG on")
        with translation.override("zh-hans"), transaction.atomic():
            context = demo.seed()
            # Each later stage adds its own part, in INSTALLED_APPS order (the workflow's order).
            for config in apps.get_app_configs():
                if config.name != "aidsys" and module_has_submodule(config.module, "demo"):
                    import_string(f"{config.name}.demo.seed")(context)
        for line in context.lines:
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
        width = max(len(username) for username, _, _ in context.accounts)
        for username, full_name, role in context.accounts:
            self.stdout.write(f"  {username.ljust(width)}  {full_name}  {role}")
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.")
