"""Widget explorers, one module per topic. Importing a module registers its explorers."""

import importlib
import pkgutil


def load_all() -> None:
    """Import every explorer module in this package, so the registry in ``helpers.widgets`` is complete."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
