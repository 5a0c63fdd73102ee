"""Forms of the applications app, one module per area."""
