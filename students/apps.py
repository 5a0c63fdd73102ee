from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "students"
    verbose_name = _("Student registry")

    def ready(self):
        from aidsys.todo import register_todo_provider
        from students.todo import visits_to_make

        register_todo_provider(visits_to_make)
