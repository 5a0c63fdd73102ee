"""Forms of the publicity app: notices, the county's overview and reports (notices.py); objections (objections.py)."""
