"""A once-a-day job beside the web server (nightly retention), in a daemon thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

log = logging.getLogger(__name__)


def parse_hhmm(text: str) -> time:
    """``HH:MM`` (24-hour, UTC) or ValueError naming the problem."""
    try:
        parsed = datetime.strptime(text, "%H:%M")
    except ValueError:
        raise ValueError(f"time of day {text!r} is not HH:MM (24-hour, UTC)") from None
    return parsed.time()


def seconds_until(at: time, now: datetime) -> float:
    """Seconds from ``now`` (aware, UTC) to the next ``at`` o'clock UTC (tomorrow if passed)."""
    target = datetime.combine(now.date(), at, tzinfo=UTC)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


class DailyJob:
    """Runs ``job`` every day at ``at`` UTC until ``stop`` is set; a failure is logged, and
    the job runs again the next day."""

    def __init__(self, name: str, at: time, job: Callable[[], object]) -> None:
        self.name = name
        self.at = at
        self.job = job
        self.stop = threading.Event()
        self.runs = 0
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        while not self.stop.wait(seconds_until(self.at, datetime.now(UTC))):
            self.run_once()

    def run_once(self) -> None:
        try:
            result = self.job()
            log.warning("%s done: %s", self.name, result)
        except Exception:  # the server keeps serving; the failure is in the log
            log.exception("%s failed", self.name)
        self.runs += 1
