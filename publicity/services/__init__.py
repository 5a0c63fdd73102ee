"""Writes of the publicity app, one module per area: notices, objections, reports to the county."""
