"""Helpers for the interactive course on deep-learning hardware.

Layers point down only: ``helpers.explorers.*`` (widgets) -> ``helpers.widgets`` / ``helpers.plotting``
-> pure computation modules (``helpers.convolution`` ...) -> ``helpers.data``. Importing ``helpers``
itself is light: submodules load when a notebook imports them.
"""

__version__ = "0.1.0"
