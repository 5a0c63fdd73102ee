"""Reads of the publicity app: notices, reports and the county's overview (notices.py); objections (objections.py)."""
