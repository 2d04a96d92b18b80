"""Run history in SQLite: the store, the recorder that writes a run into it, bounded
previews of context values, and retention."""
