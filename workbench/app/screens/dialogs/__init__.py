"""The app's dialogs: modal boxes that ask one thing and answer through ``dismiss``.

Import each from its module (``dialogs.editor_dialogs``, ``dialogs.dry_run_dialogs``,
``dialogs.stage_dialog``, ``dialogs.keys_help``).
"""
