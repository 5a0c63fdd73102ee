from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from aidsys.todo import register_todo_provider
        from applications.opinions import register_school_decision
        from reviews.selectors import school_opinion_of
        from reviews.todo import first_review_todo, second_review_todo, signoff_todo

        register_school_decision(school_opinion_of)
        register_todo_provider(first_review_todo)
        register_todo_provider(second_review_todo)
        register_todo_provider(signoff_todo)
