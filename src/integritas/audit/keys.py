"""The checkpoint HMAC key lives in ``<home>/keys/audit.key``, outside the database."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from integritas.settings import Workspace


def key_path(ws: Workspace) -> Path:
    return ws.keys / "audit.key"


def load_or_create_key(ws: Workspace) -> bytes:
    path = key_path(ws)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def sign(key: bytes, seq: int, chain_hash: str, at: str) -> str:
    return hmac.new(key, f"{seq}|{chain_hash}|{at}".encode(), hashlib.sha256).hexdigest()


def signature_ok(key: bytes, seq: int, chain_hash: str, at: str, signature: str) -> bool:
    return hmac.compare_digest(sign(key, seq, chain_hash, at), signature)
