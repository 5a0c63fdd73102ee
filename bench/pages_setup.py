"""Django set up as the page benchmarks need it: the production settings (DEBUG off, a throwaway secret key,
the test client's host) with bench/urls.py's empty page. Import it before anything of Django's models."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("AIDSYS_DEBUG", "false")
os.environ.setdefault("AIDSYS_SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("AIDSYS_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("AIDSYS_SSL_REDIRECT", "false")

import django  # noqa: E402

django.setup()
