"""Latency of the observatory's main pages against a real server on loopback.

    .venv/bin/python bench/web.py --home DEMO_HOME [--requests 100] [--url http://127.0.0.1:PORT]

Without ``--url`` it starts ``integritas serve --plain-http`` on a free loopback port for the
workspace and stops it afterwards. Signs in with the demo logins (``integritas demo`` writes
them; created here if missing), then requests each page in turn and reports p50/p95/max per
page. Target: p95 under 300 ms on the 5,000-staff demo workspace.
"""

from __future__ import annotations

import argparse
import math
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

TARGET_MS = 300.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(home: Path, port: int) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("integritas")
    proc = subprocess.Popen(
        [str(exe), "--home", str(home), "serve", "--plain-http", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"server exited: {err}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start within 60 s")


def sign_in(base: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
    page = client.get("/login")
    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    if not m:
        raise SystemExit("login page has no CSRF token")
    r = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": m.group(1)}
    )
    if r.status_code != 200 or "/login" in str(r.url):
        raise SystemExit(f"sign-in as {username} failed: {r.status_code}")
    return client


def pages_for(client: httpx.Client, role: str) -> list[str]:
    """The main pages of a role, with real unit ids / sources from the workspace."""
    if role == "analyst":
        heat = client.get("/api/health/heatmap").json()
        units = [r["unit"]["unit_id"] for r in heat["rows"] if r["unit"]["children"]]
        extra = [f"/health?unit={units[-1]}", f"/health/units/{units[-1]}"] if units else []
        queue = client.get("/api/cases/queue", params={"page_size": 1}).json()
        flag = [f"/flags/{queue['items'][0]['flag_id']}"] if queue.get("items") else []
        return ["/", "/health", *extra, "/api/health/heatmap", "/registers", "/triage", *flag]
    if role == "auditor":
        return ["/governance/audit", "/api/audit/events"]
    if role == "staff":
        return ["/my-data", "/my-data/records/duty_roster", "/notice"]
    if role == "line_manager":
        return ["/health", "/welfare"]
    return []


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--home", type=Path, required=True, help="Demo workspace.")
    ap.add_argument("--url", help="An already running server (default: start one).")
    ap.add_argument("--requests", type=int, default=100, help="Requests per page.")
    args = ap.parse_args()

    from integritas.demo.logins import ensure_logins
    from integritas.settings import Workspace

    ws = Workspace.from_settings(args.home)
    logins = {login.role: login for login in ensure_logins(ws)}
    proc = None
    base = args.url
    if base is None:
        port = free_port()
        proc = start_server(ws.home, port)
        base = f"http://127.0.0.1:{port}"
    worst = 0.0
    try:
        print(f"server {base}, {args.requests} requests per page, target p95 < {TARGET_MS:.0f} ms")
        print(f"{'role':<14} {'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for role in ("analyst", "line_manager", "staff", "auditor"):
            if role not in logins:
                continue
            client = sign_in(base, logins[role].username, logins[role].password)
            for path in pages_for(client, role):
                client.get(path)  # warm caches once, as a running server would be
                times = []
                for _ in range(args.requests):
                    t0 = time.perf_counter()
                    r = client.get(path)
                    times.append((time.perf_counter() - t0) * 1000)
                    if r.status_code != 200:
                        raise SystemExit(f"{role} {path}: HTTP {r.status_code}")
                p95 = percentile(times, 95)
                worst = max(worst, p95)
                print(
                    f"{role:<14} {path[:44]:<44} {statistics.median(times):>8.1f} "
                    f"{p95:>8.1f} {max(times):>8.1f}"
                )
            client.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
    verdict = "within" if worst < TARGET_MS else "OVER"
    print(f"worst page p95 {worst:.1f} ms: {verdict} the {TARGET_MS:.0f} ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
