"""How an event is hashed: canonical JSON of its content and the previous hash.

The sequence number is deliberately not hashed: position is given by ``prev_hash``, so a
renumbered or moved event is recognised as moved rather than as altered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

HASHED_FIELDS: tuple[str, ...] = (
    "at",
    "actor",
    "role",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "grant_id",
    "outcome",
    "subjects",
    "detail",
    "digest",
    "prev_hash",
)


def event_hash(fields: dict[str, Any]) -> str:
    body = json.dumps([fields[f] for f in HASHED_FIELDS], separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(body.encode()).hexdigest()


def content_digest(returned: object) -> str:
    """Digest of what a read returned (any JSON-able value), or '' for nothing."""
    if returned is None:
        return ""
    body = json.dumps(returned, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def subjects_json(subjects: Sequence[str]) -> str:
    return json.dumps(list(subjects), separators=(",", ":"))
