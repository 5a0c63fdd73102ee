import logging

from celery import shared_task

from aidsys.services.audit import audit_chain_verify

logger = logging.getLogger("aidsys.audit")


@shared_task(name="aidsys.tasks.audit_chain_verify")
def audit_chain_verify_task() -> dict:
    """Nightly (Celery beat): walk the audit chain and log the first broken link, if any."""
    report = audit_chain_verify()
    if not report.ok:
        logger.error(
            "audit chain broken at event %s (%s) after %s good events",
            report.broken_event_id,
            report.problem,
            report.checked,
        )
    return {
        "ok": report.ok,
        "checked": report.checked,
        "broken_event_id": report.broken_event_id,
        "problem": report.problem,
    }
