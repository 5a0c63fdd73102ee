"""Scheduled work of the publicity app (Celery beat, aidsys/settings.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from publicity.services.objections import objection_reminders_send, tracking_lookups_prune


@shared_task(name="publicity.tasks.objection_reminders_send")
def objection_reminders_send_task() -> dict:
    """Each morning: remind every school's aid office and principal of objections due that day or overdue.

    A sweep, so it takes no ids; run twice the same day, it reminds nobody twice. It also forgets
    the status page's look-ups older than a day.
    """
    result = objection_reminders_send()
    result["lookups_pruned"] = tracking_lookups_prune()
    return result
