"""Import point for the shared ``Base`` (see docs/architecture.md)."""

from __future__ import annotations

from integritas.store.base import Base, utcnow

__all__ = ["Base", "utcnow"]
