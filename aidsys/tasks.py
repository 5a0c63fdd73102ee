import logging

from celery import shared_task

from aidsys.services.audit_chain import audit_chain_verify, audit_seal
from aidsys.services.jobs import jobs_fail_stale

logger = logging.getLogger("aidsys.audit")


@shared_task(name="aidsys.tasks.audit_chain_verify")
def audit_chain_verify_task() -> dict:
    """Nightly (Celery beat): walk each audit chain from its last verified anchor and log the
    first broken link, if any."""
    report = audit_chain_verify()
    if not report.ok:
        logger.error(
            "audit chain %s broken at number %s, event %s (%s) after %s good events",
            report.partition,
            report.seq,
            report.broken_event_id,
            report.problem,
            report.checked,
        )
    return {
        "ok": report.ok,
        "checked": report.checked,
        "broken_event_id": report.broken_event_id,
        "problem": report.problem,
        "partition": report.partition,
        "seq": report.seq,
    }


@shared_task(name="aidsys.tasks.audit_seal")
def audit_seal_task() -> int:
    """Hourly (Celery beat): seal each audit chain's head into a signed anchor; returns how many."""
    return len(audit_seal())


@shared_task(name="aidsys.tasks.jobs_fail_stale")
def jobs_fail_stale_task() -> int:
    """Every minute (Celery beat): fail the running jobs whose worker died; returns how many."""
    return jobs_fail_stale()
