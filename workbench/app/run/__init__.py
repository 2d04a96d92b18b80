"""The run view's model, free of Textual: a run's events recorded per stage, and each
pipeline's last recorded run."""
