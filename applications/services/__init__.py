"""Writes of the applications app, one module per area: programs, quotas, applications, attachments."""
