"""Progress for long work: a rich bar on a terminal, a few plain lines elsewhere.

``auto`` picks ``bar`` when stderr is a terminal and ``log`` otherwise. ``log`` prints a line
(done/total, rate, time left) at every 10 % or every 30 s, whichever comes first, so CI logs stay
short; ``none`` prints nothing. Everything goes to stderr: stdout carries results only.
"""

from __future__ import annotations

import sys
import time
from typing import Literal

Mode = Literal["auto", "bar", "log", "none"]
MODES = ("auto", "bar", "log", "none")


class Progress:
    """Call ``update(done, total)``; use as a context manager."""

    def __init__(self, label: str, mode: Mode = "auto", unit: str = "steps"):
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "log"
        self.mode, self.label, self.unit = mode, label, unit
        self.start = time.monotonic()
        self.last_time = self.start
        self.last_tenth = -1
        self._bar = None
        self._task = None

    def __enter__(self) -> Progress:
        if self.mode == "bar":
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(self.unit),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                transient=False,
            )
            self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def update(self, done: int, total: int) -> None:
        if self.mode == "none":
            return
        if self._bar is not None:
            if self._task is None:
                self._task = self._bar.add_task(self.label, total=total, rate="")
            elapsed = time.monotonic() - self.start
            rate = f"{done / elapsed:.1f}/s" if elapsed > 0 and done else ""
            self._bar.update(self._task, completed=done, rate=rate)
            return
        now = time.monotonic()
        tenth = 10 * done // max(total, 1)
        if tenth > self.last_tenth or now - self.last_time >= 30 or done == total:
            if done == total and self.last_tenth >= 10:
                return
            self.last_tenth, self.last_time = tenth, now
            elapsed = now - self.start
            rate = done / elapsed if elapsed > 0 else float("inf")
            left = (total - done) / rate if rate > 0 else float("nan")
            print(
                f"{self.label}: {done}/{total} {self.unit} ({rate:.1f}/s, "
                f"{elapsed:.0f}s elapsed, ~{left:.0f}s left)",
                file=sys.stderr,
                flush=True,
            )
