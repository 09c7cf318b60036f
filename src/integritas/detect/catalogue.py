"""The shipped rules and suppressors: importing the family modules registers them."""

from __future__ import annotations

import importlib
import pkgutil

from integritas.detect.models import Rule
from integritas.detect.registry import RULES


def load_rules() -> list[Rule]:
    """Import every module under ``integritas.detect.rules`` once; return the rules in order."""
    from integritas.detect import rules as package
    from integritas.detect import suppressors  # noqa: F401  (registers the shared suppressors)

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return list(RULES)
