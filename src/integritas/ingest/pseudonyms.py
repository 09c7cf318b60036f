"""Keyed pseudonyms and keyed hashes (HMAC-SHA256 under ``keys/pseudonym.key``).

The key is created on first use (``os.urandom``, file mode 0600, folder 0700) and never
leaves this module: only pseudonyms and hashes are written anywhere. Pseudonyms and keyed
hashes use different sub-keys derived from the master key, so a keyed hash of a staff
number can never be compared with its pseudonym.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Iterator

from integritas.settings import Workspace

KEY_FILE = "pseudonym.key"
KEY_BYTES = 32


def _load_or_create_key(ws: Workspace) -> bytes:
    ws.keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    ws.keys.chmod(0o700)
    path = ws.keys / KEY_FILE
    try:
        # O_EXCL: two processes starting together cannot both create a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) != KEY_BYTES:
            raise RuntimeError(f"{path} is damaged (expected {KEY_BYTES} bytes)") from None
        return key
    key = os.urandom(KEY_BYTES)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
        fh.flush()
        os.fsync(fh.fileno())
    return key


def normalise(value: str) -> str:
    """Upper-case with all whitespace removed: ``' ab 12 '`` and ``'AB12'`` are the same."""
    return "".join(value.split()).upper()


class Pseudonymiser:
    """Maps staff numbers to pseudonyms and values to keyed hashes for one workspace."""

    def __init__(self, ws: Workspace) -> None:
        master = _load_or_create_key(ws)
        self._pseudo_key = hmac.new(master, b"integritas/pseudonym/v1", hashlib.sha256).digest()
        self._hash_key = hmac.new(master, b"integritas/keyed-hash/v1", hashlib.sha256).digest()

    def pseudonym(self, staff_number: str) -> str:
        """``P-`` + 12 base32 characters; the same staff number always gives the same one."""
        # hmac.digest is the one-shot C path: ~10x faster than hmac.new for short values.
        digest = hmac.digest(self._pseudo_key, normalise(staff_number).encode("utf-8"), "sha256")
        return "P-" + base64.b32encode(digest).decode("ascii")[:12]

    def keyed_hash(self, value: str) -> str:
        """Hex HMAC of the normalised value: equal inputs compare equal, nothing more."""
        return hmac.digest(self._hash_key, normalise(value).encode("utf-8"), "sha256").hex()

    def digests_hex(self, values: list[str], *, hashed: bool = False) -> str:
        """Each value's digest in hex, comma-separated, for SQL to finish (``keyed_sql``).

        Pseudonyms need only the first 8 bytes (``pseudonym`` encodes the first 60 bits);
        keyed hashes are the whole hex digest. One C call joins them all, where base32 in
        Python costs ~40% of the work for a large force.
        """
        key, width = (self._hash_key, 32) if hashed else (self._pseudo_key, 8)
        return b"".join(d[:width] for d in _hmac_many(key, values)).hex(",", width)


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def keyed_sql(hex_digest: str, *, hashed: bool = False) -> str:
    """SQL of the keyed value from ``digests_hex``'s hex: the pseudonym (``P-`` + base32 of
    the first 60 bits, equal to ``pseudonym``) or, for a keyed hash, the hex itself."""
    if hashed:
        return hex_digest
    bits = f"CAST(('0x' || {hex_digest}) AS UBIGINT)"
    chars = ", ".join(
        f"substr('{_B32}', CAST(({bits} >> {59 - 5 * k}) & 31 AS INTEGER) + 1, 1)"
        for k in range(12)
    )
    return f"concat('P-', {chars})"


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def _hmac_many(key: bytes, values: list[str]) -> Iterator[bytes]:
    """HMAC-SHA256 of each normalised value, as ``hmac.digest`` gives it, ~2x faster.

    RFC 2104 (what the stdlib's own fallback does): the key's inner and outer pads are
    hashed once and the two SHA-256 states copied per value, instead of being rebuilt from
    the key for every value. One HMAC per distinct value still; this only drops the setup.
    """
    if len(key) > 64:  # longer than SHA-256's block: RFC 2104 hashes it first
        key = hashlib.sha256(key).digest()
    block = key.ljust(64, b"\0")
    inner = hashlib.sha256(block.translate(_IPAD))
    outer = hashlib.sha256(block.translate(_OPAD))
    for v in values:
        i = inner.copy()
        i.update(normalise(v).encode("utf-8"))
        o = outer.copy()
        o.update(i.digest())
        yield o.digest()
