"""The disbursement stage's writes: one module per concern."""
