"""A local OpenID Connect provider for tests and trials: no network beyond loopback.

``SigningKey`` is an RSA key pair made here (deterministic from a seed) that signs RS256 ID
tokens and exports its JWKS entry. ``LocalIdP`` serves the two provider endpoints Integritas
uses over real HTTP on 127.0.0.1: ``/authorize`` signs in a chosen subject and redirects back
with a one-time code; ``/token`` checks that code, the redirect URI, the client and the PKCE
verifier, and answers with a signed ID token carrying the nonce it was given.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from integritas.access.jwt import b64url_encode
from integritas.access.settings import OIDCSettings

SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def _probable_prime(bits: int, rng: random.Random) -> int:
    small = [p for p in range(3, 2000, 2) if all(p % q for q in range(3, int(p**0.5) + 1, 2))]
    while True:
        n = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if any(n % p == 0 for p in small):
            continue
        d, r = n - 1, 0
        while d % 2 == 0:
            d, r = d // 2, r + 1
        for _ in range(24):
            x = pow(rng.randrange(2, n - 2), d, n)
            if x in (1, n - 1):
                continue
            for _ in range(r - 1):
                x = pow(x, 2, n)
                if x == n - 1:
                    break
            else:
                break
        else:
            return n


class SigningKey:
    """An RSA key pair (test use only: deterministic from ``seed``) and an RS256 signer."""

    def __init__(self, kid: str, seed: int, bits: int = 2048) -> None:
        rng = random.Random(seed)
        e = 65537
        while True:
            p, q = _probable_prime(bits // 2, rng), _probable_prime(bits // 2, rng)
            phi = (p - 1) * (q - 1)
            if p != q and phi % e:
                break
        self.kid, self.n, self.e, self.d = kid, p * q, e, pow(e, -1, phi)

    def jwk(self) -> dict[str, str]:
        k = (self.n.bit_length() + 7) // 8
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": b64url_encode(self.n.to_bytes(k, "big")),
            "e": b64url_encode(self.e.to_bytes(3, "big")),
        }

    def sign(self, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
        head = header or {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = (
            b64url_encode(json.dumps(head).encode())
            + "."
            + b64url_encode(json.dumps(claims).encode())
        )
        k = (self.n.bit_length() + 7) // 8
        t = SHA256_PREFIX + hashlib.sha256(signing_input.encode()).digest()
        em = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
        sig = pow(int.from_bytes(em, "big"), self.d, self.n).to_bytes(k, "big")
        return signing_input + "." + b64url_encode(sig)


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    subject: str


class LocalIdP:
    """``with LocalIdP(key, client_id="integritas") as idp:`` serves on a free loopback port.

    ``idp.subject`` is who the next ``/authorize`` signs in (set it per test);
    ``idp.settings(redirect_uri, jwks_file)`` gives matching ``OIDCSettings``. It listens on
    127.0.0.1 only.
    """

    def __init__(
        self, key: SigningKey, *, client_id: str, subject: str = "sub-1", host: str = "127.0.0.1"
    ) -> None:
        self.key, self.client_id, self.subject = key, client_id, subject
        self.grants: dict[str, _Grant] = {}
        self.token_requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        # ``host="localhost"`` makes the provider another *site* than an app on 127.0.0.1
        # (a browser's SameSite rules ignore ports), as a real provider is.
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LocalIdP:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def settings(self, redirect_uri: str, jwks_file: Path) -> OIDCSettings:
        jwks_file.write_text(json.dumps({"keys": [self.key.jwk()]}), encoding="utf-8")
        return OIDCSettings(
            enabled=True,
            issuer=self.url,
            client_id=self.client_id,
            authorization_endpoint=f"{self.url}/authorize",
            token_endpoint=f"{self.url}/token",
            redirect_uri=redirect_uri,
            jwks_file=jwks_file,
        )

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        ok = (
            query.get("response_type") == "code"
            and query.get("client_id") == self.client_id
            and query.get("code_challenge_method") == "S256"
            and all(query.get(k) for k in ("redirect_uri", "state", "nonce", "code_challenge"))
        )
        if not ok:
            return 400, {"Content-Type": "text/plain"}, b"invalid authorization request"
        code = secrets.token_urlsafe(24)
        self.grants[code] = _Grant(
            query["client_id"],
            query["redirect_uri"],
            query["nonce"],
            query["code_challenge"],
            self.subject,
        )
        back = urllib.parse.urlencode({"code": code, "state": query["state"]})
        return 302, {"Location": f"{query['redirect_uri']}?{back}"}, b""

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        challenge = b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or form.get("client_id") != grant.client_id
            or form.get("redirect_uri") != grant.redirect_uri
            or challenge != grant.challenge
        ):
            return 400, {"error": "invalid_grant"}
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": grant.client_id,
            "sub": grant.subject,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            "name": f"Test user {grant.subject}",
        }
        return 200, {"id_token": self.key.sign(claims), "token_type": "Bearer"}


def _handler(idp: LocalIdP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            if parts.path != "/authorize":
                self.send_error(404)
                return
            query = dict(urllib.parse.parse_qsl(parts.query))
            status, headers, body = idp.authorize(query)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            if self.path != "/token":
                self.send_error(404)
                return
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            status, payload = idp.token(form)
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
