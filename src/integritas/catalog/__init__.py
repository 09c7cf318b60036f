"""What data exists and why: sources, fields, purposes, lawful bases, retention."""

from __future__ import annotations

from integritas.catalog.models import (
    DataCategory,
    FieldSpec,
    FieldType,
    Handling,
    Purpose,
    Source,
    SourceKind,
)
from integritas.catalog.registry import Catalog, CatalogError, catalog, load_sources

__all__ = [
    "Catalog",
    "CatalogError",
    "DataCategory",
    "FieldSpec",
    "FieldType",
    "Handling",
    "Purpose",
    "Source",
    "SourceKind",
    "catalog",
    "load_sources",
]
