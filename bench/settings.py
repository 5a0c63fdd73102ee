"""The project's settings as served in production, plus the benchmarks' trivial view.

Static URLs use the plain storage: the manifest needs a collectstatic run that the benchmark
has no reason to make; both views pay the same for it.
"""

from aidsys.settings import *  # noqa: F403
from aidsys.settings import STORAGES

ROOT_URLCONF = "bench.urls"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
