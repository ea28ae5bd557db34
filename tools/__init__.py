"""Course tools: navigation cells, cross-links, notebook execution, HTML export, share links, JupyterLab start-up.

Each tool runs as ``python -m tools.<name>`` or ``python tools/<name>.py`` from the repository root, and
imports as ``from tools import <name>`` in tests.
"""
