"""Widget explorers, one module per topic. Importing a module registers its explorers."""

import importlib

MODULES = ("machine", "convolution")


def load_all() -> None:
    """Import every explorer module so that the registry in ``helpers.widgets`` is complete."""
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
