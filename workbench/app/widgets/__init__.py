"""Reusable widgets of the app, grouped by area. Import each from its module."""
