"""The disbursement stage's forms: one module per concern."""
