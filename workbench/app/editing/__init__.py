"""The pipeline editor's model, free of Textual: edits, undo/redo, checks and form fields.

:class:`EditSession` holds the spec being edited; :mod:`.operations` are the pure
edits it applies; :mod:`.fields` turns a pydantic model into form fields and typed
text into values. The editor screen only draws this model and forwards keys to it.
"""

from workbench.app.editing.operations import EditError, Reference, id_problem, propose_id
from workbench.app.editing.session import EditSession

__all__ = ["EditError", "EditSession", "Reference", "id_problem", "propose_id"]
