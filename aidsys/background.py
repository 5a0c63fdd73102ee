"""Starting background work: a Celery worker where there is a broker, a thread of this process where there is none.

In the embedded set-up (`make run`: no REDIS_URL, so CELERY_TASK_ALWAYS_EAGER) a task sent with
`.delay()` runs at once inside the request that sends it, and the page that shows the job's
progress would appear only when the work is over. `task_enqueue` hands the task to a small pool of
threads of this process instead: the request answers at once with the job's page, which polls
the job as it does with a worker. Each thread closes its database connections when its task ends.

Tests run the task inline in the request (AIDSYS_JOBS_INLINE, set by the suite), as eager Celery
does, except those that test the pool itself.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

# Two jobs at a time: the embedded set-up is one school on one machine, and SQLite writes one at a time anyway.
THREADS = 2

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def in_process() -> bool:
    """No broker: tasks are not sent to a worker but run by this process."""
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def task_enqueue(task, *args) -> Future | None:
    """Have `task` run with `args` outside the request; the Future of its thread in the embedded set-up.

    Call it after the commit that creates the work (`transaction.on_commit`): the task reads it.
    """
    if not in_process() or settings.AIDSYS_JOBS_INLINE:
        task.delay(*args)
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
