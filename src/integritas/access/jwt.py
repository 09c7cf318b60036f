"""Just enough JOSE for OIDC ID tokens: a JWKS file of RSA keys and RS256 verification.

Written against RFC 7515/7517/7518 and RFC 8017 (RSASSA-PKCS1-v1_5) with the standard
library only, so that verifying a token needs neither a network nor a native dependency.
Only RS256 is accepted: ``none`` and the HMAC algorithms (which a forged header could use
to turn a public key into a "secret") are refused by design.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ALGORITHM = "RS256"
MIN_RSA_BITS = 2048
# DER DigestInfo prefix for SHA-256 (RFC 8017 section 9.2, note 1).
_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class TokenInvalid(ValueError):
    """The token is malformed, badly signed, or its claims do not hold; says which."""


class JWKSError(ValueError):
    """The key set file cannot be used; names the file and the key."""


@dataclass(frozen=True)
class RSAPublicKey:
    kid: str
    n: int
    e: int

    @property
    def bits(self) -> int:
        return self.n.bit_length()


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "=+/ \n"):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int(value: Any) -> int:
    return int.from_bytes(b64url_decode(str(value)), "big")


def load_jwks(path: Path) -> dict[str, RSAPublicKey]:
    """kid -> RSA key, from a JWKS JSON file (``{"keys": [...]}``); other key types are skipped."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise JWKSError(f"{path}: not a readable JWKS file ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise JWKSError(f"{path}: expected an object with a 'keys' list")
    keys: dict[str, RSAPublicKey] = {}
    for i, jwk in enumerate(data["keys"]):
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        kid = str(jwk.get("kid") or f"#{i}")
        try:
            key = RSAPublicKey(kid=kid, n=_int(jwk["n"]), e=_int(jwk["e"]))
        except (KeyError, ValueError) as exc:
            raise JWKSError(f"{path}: key {kid}: bad or missing n/e ({exc})") from None
        if key.bits < MIN_RSA_BITS:
            raise JWKSError(f"{path}: key {kid}: {key.bits}-bit RSA, {MIN_RSA_BITS} required")
        keys[kid] = key
    if not keys:
        raise JWKSError(f"{path}: no RSA signing keys")
    return keys


def rsa_pkcs1_sha256_verify(key: RSAPublicKey, message: bytes, signature: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 section 8.2.2)."""
    k = (key.n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    em = pow(s, key.e, key.n).to_bytes(k, "big")
    t = _SHA256_PREFIX + hashlib.sha256(message).digest()
    if k < len(t) + 11:
        return False
    expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(em, expected)


def decode_verified(token: str, keys: dict[str, RSAPublicKey]) -> dict[str, Any]:
    """The claims of a compact JWS signed with RS256 by one of ``keys``; else TokenInvalid."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise TokenInvalid("not a compact JWT (three dot-separated parts)")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        raise TokenInvalid("header, payload or signature is not base64url JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenInvalid("header and payload must be JSON objects")
    if header.get("alg") != ALGORITHM:
        raise TokenInvalid(f"algorithm {header.get('alg')!r} refused; only {ALGORITHM}")
    if header.get("crit"):
        raise TokenInvalid("critical header extensions are not supported")
    kid = header.get("kid")
    if kid is not None:
        candidates = [keys[kid]] if kid in keys else []
    else:
        candidates = list(keys.values()) if len(keys) == 1 else []
    if not candidates:
        raise TokenInvalid(f"no configured key for kid {kid!r}")
    signed = f"{parts[0]}.{parts[1]}".encode("ascii")
    if not any(rsa_pkcs1_sha256_verify(k, signed, signature) for k in candidates):
        raise TokenInvalid("signature does not verify")
    return claims
