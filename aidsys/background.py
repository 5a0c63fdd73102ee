"""Starting background work: a Celery worker where there is a broker, a thread of this process where there is none.

In the embedded set-up (`make run`: no REDIS_URL, so CELERY_TASK_ALWAYS_EAGER) a task sent with
`.delay()` runs at once inside the request that sends it, and the page that shows the job's
progress would appear only when the work is over. `task_enqueue` hands the task to a small pool of
threads of this process instead: the request answers at once with the job's page, which polls
the job as it does with a worker. Each thread closes its database connections when its task ends.

Tests run the task inline in the request (AIDSYS_JOBS_INLINE, set by the suite), as eager Celery
does, except those that test the pool itself.

With a broker that cannot be reached (Redis stopped), a job is not started: `background_check`
says so before anything is written (the page tells the user to try again later), and a job whose
task could not be sent after its commit (the broker gone in between) is failed at once.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError as BrokerUnreachable

logger = logging.getLogger(__name__)

UNAVAILABLE = gettext_lazy(
    "The background job service is unavailable for the moment; please try again in a few minutes. Nothing was saved."
)
# How long a request waits for the broker before it says that jobs cannot be started.
BROKER_TIMEOUT_SECONDS = 2


class BackgroundUnavailable(Exception):
    """No worker can be told about a job: the broker cannot be reached."""

    message = UNAVAILABLE


# Two jobs at a time: the embedded set-up is one school on one machine, and SQLite writes one at a time anyway.
THREADS = 2

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def in_process() -> bool:
    """No broker: tasks are not sent to a worker but run by this process."""
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def _sent_to_broker() -> bool:
    from aidsys.celery import app

    return not (in_process() or app.conf.task_always_eager)


def background_check() -> None:
    """BackgroundUnavailable unless a job started now can be sent to a worker; call it before writing the job."""
    if not _sent_to_broker():
        return
    from aidsys.celery import app

    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
    except (BrokerUnreachable, OSError) as error:
        logger.warning("the broker cannot be reached: %s", error)
        raise BackgroundUnavailable from error


def task_enqueue(task, *args, job_id: int | None = None) -> Future | None:
    """Have `task` run with `args` outside the request; the Future of its thread in the embedded set-up.

    Call it after the commit that creates the work (`transaction.on_commit`): the task reads it.
    When the broker cannot be reached, the job `job_id` is failed, to be started again.
    """
    if not in_process() or settings.AIDSYS_JOBS_INLINE:
        try:
            # The job's row, not Celery's result backend, says how the work went.
            task.apply_async(args, ignore_result=True)
        except BrokerUnreachable:
            if job_id is None:
                raise
            logger.exception("background task %s%r could not be sent", task.name, args)
            from aidsys.services.jobs import job_abandon

            job_abandon(job_id=job_id, message=str(UNAVAILABLE))
        return None
    return _threads().submit(_run, task, args)


def _threads() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="aidsys-job")
        return _pool


def _run(task, args: tuple) -> None:
    try:
        task(*args)
    except Exception:
        # As a worker would: the job says so on its page (the task marks it failed), the log keeps the traceback.
        logger.exception("background task %s%r failed", task.name, args)
    finally:
        connections.close_all()
