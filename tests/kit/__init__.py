"""The helpers every test folder shares: projects, pipelines, stages, the app, Dask, the CLI.

One module per thing a test needs made; see each module's docstring.
"""
