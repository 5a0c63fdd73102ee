"""Screens of the applications app, one module per area; each exports its `urlpatterns`."""
