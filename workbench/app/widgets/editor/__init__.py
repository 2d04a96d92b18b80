"""The editor's widgets: the config form, the dependency picker, the TOML preview and the
stage picker. Import each from its module."""
