"""Browser-facing protections: security headers and CSP, CSRF tokens, login rate limiting.

CSRF tokens are bound to the session: ``HMAC(secret, seed | session token)``, where ``seed``
is a random value in its own SameSite=Strict cookie (so the login form, before any session,
is protected too) and the session token is the login cookie. A token stops working at logout.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "integritas_session"
SEED_COOKIE = "integritas_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# Nothing from outside the server; no inline script, no inline style; SVG is drawn by us.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


def load_or_create_secret(path: Path) -> bytes:
    """The CSRF signing key, kept with the workspace's other keys (0600)."""
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    path.write_text(key.hex())
    path.chmod(0o600)
    return key


def csrf_token(secret: bytes, seed: str, session_token: str) -> str:
    msg = f"{seed}|{session_token}".encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, seed: str, session_token: str, given: str) -> bool:
    if not seed or not given:
        return False
    return hmac.compare_digest(csrf_token(secret, seed, session_token), given)


def _cookie(scope: Scope, name: str) -> str:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return ""


class SecurityMiddleware:
    """Adds the security headers to every response and hands out the CSRF seed cookie."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool) -> None:
        self.app = app
        self.secure = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seed = _cookie(scope, SEED_COOKIE)
        new_seed = "" if seed else secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_seed"] = seed or new_seed
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                if not path.startswith("/static/") and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if new_seed:
                    flags = "; Path=/; HttpOnly; SameSite=Strict"
                    if self.secure:
                        flags += "; Secure"
                    headers.append((b"set-cookie", f"{SEED_COOKIE}={new_seed}{flags}".encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimiter:
    """At most ``limit`` hits per key in any ``window_s`` seconds (sliding window, in memory)."""

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window = window_s
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, *, now: float | None = None) -> bool:
        """Record an attempt; False when the key is over its limit (the attempt is refused)."""
        at = time.monotonic() if now is None else now
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= at - self.window:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(at)
            if len(self._hits) > 10_000:  # forget idle keys so memory stays bounded
                for k in [k for k, v in self._hits.items() if not v]:
                    del self._hits[k]
            return True

    def retry_after(self, key: str, *, now: float | None = None) -> int:
        at = time.monotonic() if now is None else now
        with self._lock:
            q = self._hits.get(key)
            if not q:
                return 0
            return max(1, int(q[0] + self.window - at) + 1)
