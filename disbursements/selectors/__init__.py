"""The disbursement stage's reads that span relations, each starting from the scoped queryset."""
