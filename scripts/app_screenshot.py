"""docs/img/app.png: the classroom app, side by side, after 40 days of the classroom scenario.

Run by ``scripts/app-screenshot``: starts ``socialweb app`` on a free loopback port, opens it in
Debian's Chromium (headless, through Playwright; never a downloaded browser), ticks "Side by
side", presses Reset, then Step 40 times, and saves a full-page screenshot (1600 × 1000
viewport). The README shows the result; nothing in it is drawn by hand.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
DAYS = 40
TIMEOUT = 60_000  # ms


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"app-screenshot: the app server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    sys.exit(f"app-screenshot: {url} did not answer within {seconds:.0f} s")


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img" / "app.png"
    if not CHROMIUM.is_file():
        sys.exit(f"app-screenshot: {CHROMIUM} not found (scripts/bootstrap installs it)")
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    cmd = [sys.executable, "-m", "model", "app", "scenarios/classroom.yaml"]
    cmd += ["--port", str(port), "--host", "127.0.0.1"]
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(url, timeout=TIMEOUT)
            step = page.get_by_role("button", name="Step", exact=True)
            expect(step).to_be_visible(timeout=TIMEOUT)
            page.get_by_text("Side by side (three strategies)", exact=True).click()
            page.get_by_role("button", name="Reset", exact=True).click()
            day = page.locator(".sw-day")
            expect(day).to_have_text("Day 0 of 120", timeout=TIMEOUT)
            # the reset runs in the background: wait for its busy sign to come and go (a Step
            # pressed meanwhile is refused)
            busy = page.get_by_role("button", name="Resetting…", exact=True)
            try:
                expect(busy).to_be_visible(timeout=5_000)
            except AssertionError:
                pass  # already done
            expect(busy).to_have_count(0, timeout=TIMEOUT)
            expect(page.get_by_role("button", name="Reset", exact=True)).to_be_enabled(
                timeout=TIMEOUT
            )
            for k in range(1, DAYS + 1):
                step.click()
                expect(day).to_have_text(f"Day {k} of 120", timeout=TIMEOUT)
                print(f"app-screenshot: day {k}", file=sys.stderr, flush=True)
            page.wait_for_timeout(1500)  # the last figures settle
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
