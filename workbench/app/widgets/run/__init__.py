"""The run screen's widgets: the stage list, a stage's result and log, the run options."""
