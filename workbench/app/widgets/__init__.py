"""Reusable widgets of the app. Import each from its module: `dag_layout` stays free of Textual."""
