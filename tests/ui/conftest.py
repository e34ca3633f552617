"""Browser tests of the classroom app (``socialweb app``): one real server, Debian's Chromium.

Every test here is marked ``ui`` (run only these with ``pytest -m ui``, skip them with
``-m 'not ui'``). They are skipped, with the reason, where ``/usr/bin/chromium`` or
pytest-playwright is missing, except when the ``CI`` environment variable is set: there they fail,
because CI must exercise the app. ``scripts/bootstrap`` installs both. Never run
``playwright install`` (it downloads a browser of its own).

One app server per session, on a free loopback port, running the classroom scenario shortened
to :data:`DAYS` days (so a test can play to election day in seconds). Its one world is shared by
every browser tab (``model.app.Classroom``), so each test presses Reset before looking at
anything and puts back any slider it moves. A full-page screenshot of every test (pass or fail)
lands in ``results/ui-screenshots/<test>.png``, beside the server's log ``server.log``.
"""

from __future__ import annotations

import base64
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SCREENSHOTS = ROOT / "results" / "ui-screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60.0  # s; 2.5-3.8 s warm, ~7 s on a fresh venv's first start
PAGE_TIMEOUT = 60_000  # ms, first load of the page up to the Step button
ACTION_TIMEOUT = 30_000  # ms, anything after that (a step of three worlds, a reset)
DAYS = 45  # the test server's campaign: the classroom scenario, election on day 45

TIMINGS: dict[str, float] = {}


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} not found (Debian: apt-get install chromium, or run scripts/bootstrap)"
    try:
        import playwright.sync_api  # noqa: F401
        import pytest_playwright  # noqa: F401
    except ImportError:
        return "playwright/pytest-playwright not installed in this environment"
    try:
        import PIL  # noqa: F401
    except ImportError:
        return "Pillow not installed in this environment"
    return None


def pytest_configure(config: pytest.Config) -> None:
    # pytest-playwright 0.10 (its base_url fixture) triggers this deprecation on every test
    config.addinivalue_line("filterwarnings", "ignore::pytest.PytestRemovedIn10Warning")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    for item in items:
        if HERE not in Path(item.path).resolve().parents:
            continue
        item.add_marker(pytest.mark.ui)
        if reason and not _ci():
            item.add_marker(pytest.mark.skip(reason=f"browser tests: {reason}"))


def pytest_terminal_summary(terminalreporter) -> None:
    if TIMINGS:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in TIMINGS.items())
        terminalreporter.write_line(f"ui: {parts}; screenshots in {SCREENSHOTS}")


# --- the app server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """terminate, wait 10 s, then kill (a Solara server once outlived its first SIGTERM)."""
    if proc.poll() is not None:
        return

    def signal_group(sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)  # the server's own session: it and anything it started
        except ProcessLookupError:
            pass

    signal_group(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        signal_group(signal.SIGKILL)
        proc.wait(timeout=10)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class Server:
    url: str
    pid: int  # the server process (``socialweb app`` execs Solara in place)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="session")
def app_process(tmp_path_factory: pytest.TempPathFactory) -> Server:
    """Start ``python -m model app`` on a free loopback port with the classroom scenario
    shortened to DAYS days; yield the server (its URL and process id)."""
    reason = _missing()
    if reason:  # only reached under CI, where the tests were not skipped
        pytest.fail(f"browser tests: {reason}; CI is set, so they must run", pytrace=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_path = SCREENSHOTS / "server.log"
    scenario = yaml.safe_load((ROOT / "scenarios" / "classroom.yaml").read_text(encoding="utf-8"))
    scenario["steps"] = DAYS
    path = tmp_path_factory.mktemp("ui") / "classroom.yaml"
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "model", "app", str(path), "--port", str(port)]
    cmd += ["--host", "127.0.0.1"]
    with open(log_path, "wb") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = start + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"app server exited with code {proc.returncode} before serving {url}:\n"
                    f"{_tail(log_path)}",
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.perf_counter() > deadline:
                pytest.fail(
                    f"app server not answering {url} after {SERVER_START_TIMEOUT:.0f} s:\n"
                    f"{_tail(log_path)}",
                    pytrace=False,
                )
            time.sleep(0.2)
        TIMINGS["server up"] = time.perf_counter() - start
        yield Server(url, proc.pid)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def app_server(app_process: Server) -> str:
    """The app server's base URL."""
    return app_process.url


# --- the browser (pytest-playwright) -----------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, never a downloaded one; headless, no sandbox, no background networking."""
    headless = browser_type_launch_args.get("headless", True)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": (["--headless"] if headless else []) + CHROMIUM_FLAGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1600, "height": 1000}}


# --- a page of the app, with helpers ------------------------------------------------------------

_IMAGE_JS = """async (img) => {
    if (!img.complete || img.naturalWidth === 0) { await img.decode(); }
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext("2d").drawImage(img, 0, 0);
    return {src: img.src, width: img.naturalWidth, height: img.naturalHeight,
            png: canvas.toDataURL("image/png")};
}"""

# figures: matplotlib PNGs, shown by ipywidgets as <img src="blob:..."> (or a data URI)
_FIGURES = "img[src^='blob:'], img[src^='data:image']"
_DAY = re.compile(r"^Day (\d+) of (\d+)$")


@dataclass
class Figure:
    """One figure as the browser shows it: its src and decoded pixels (greyscale, float)."""

    src: str
    width: int
    height: int
    pixels: object  # numpy array, height x width

    def differs_from(self, other: Figure) -> float:
        """Mean absolute pixel difference (0-255); inf when the sizes differ."""
        import numpy as np

        if self.pixels.shape != other.pixels.shape:
            return float("inf")
        return float(np.abs(self.pixels - other.pixels).mean())

    def changed_pixels(self, other: Figure, level: float = 8.0) -> int:
        """How many pixels differ by more than ``level`` grey levels; all when the sizes differ."""
        import numpy as np

        if self.pixels.shape != other.pixels.shape:
            return int(self.pixels.size)
        return int((np.abs(self.pixels - other.pixels) > level).sum())


@dataclass
class App:
    """The classroom app open in a browser tab."""

    page: object  # playwright.sync_api.Page
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    # locators
    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def day_counter(self):
        """The "Day 3 of 30" text in the app bar."""
        return self.page.locator(".sw-day")

    def day_text(self, day: int):
        return self.page.get_by_text(f"Day {day} of {DAYS}", exact=True)

    def slider(self, label: str):
        return self.page.get_by_role("slider", name=label, exact=True)

    def slider_value(self, label: str):
        """The value shown beside a slider (its text, as the page shows it)."""
        return self.page.locator(".sw-slider-row", has_text=label).locator(".sw-value")

    def figures(self):
        return self.page.locator(_FIGURES)

    def network_img(self):
        return self.figures().nth(0)  # ClassroomView: the network first, then the charts

    def charts_img(self):
        return self.figures().nth(1)

    # reading figures
    def figure(self, img) -> Figure:
        import numpy as np
        from PIL import Image

        data = img.evaluate(_IMAGE_JS)
        raw = base64.b64decode(data["png"].split(",", 1)[1])
        pixels = np.asarray(Image.open(io.BytesIO(raw)).convert("L"), dtype=float)
        return Figure(data["src"], data["width"], data["height"], pixels)

    def network(self) -> Figure:
        return self.figure(self.network_img())

    def charts(self) -> Figure:
        return self.figure(self.charts_img())

    def wait_for_new_src(self, img, old_src: str | None, settle_ms: int = 300) -> None:
        """Wait until ``img`` shows a new (``old_src`` None: any), loaded image, then until it
        stops changing."""
        img.evaluate(
            """async (img, [old, settle, timeout]) => {
                const t0 = performance.now();
                const ready = () => img.src !== old && img.complete && img.naturalWidth > 0;
                while (!ready()) {
                    if (performance.now() - t0 > timeout) throw new Error("figure did not change");
                    await new Promise(r => setTimeout(r, 50));
                }
                let last = img.src, since = performance.now();
                while (performance.now() - since < settle) {
                    await new Promise(r => setTimeout(r, 50));
                    if (img.src !== last || !img.complete) {
                        last = img.src;
                        since = performance.now();
                    }
                }
            }""",
            [old_src, settle_ms, ACTION_TIMEOUT],
        )

    # actions
    def step(self, times: int = 1) -> None:
        """Press Step ``times`` times; after each, wait for the day to advance by one and the
        charts to redraw."""
        from playwright.sync_api import expect

        for _ in range(times):
            before = self.charts().src
            now = self.day()
            self.button("Step").click()
            expect(self.day_text(now + 1)).to_be_visible(timeout=ACTION_TIMEOUT)
            self.wait_for_new_src(self.charts_img(), before)

    def reset(self) -> None:
        """Press Reset and wait until the fresh world is drawn: the figures' box names the
        world shown (``sw-world-<n>``, a new n for each Reset), and Reset is enabled again.
        (While a Reset runs, the button reads "Resetting…"; with the network's layout kept
        from an earlier Reset with the same seed, that lasts well under a second.)"""
        from playwright.sync_api import expect

        if self.button("❚❚").count():
            self.button("❚❚").click()
        expect(self.button("Reset")).to_be_enabled(timeout=ACTION_TIMEOUT)
        world = self.world()
        self.button("Reset").click()
        expect(self.page.locator(f".sw-world-{world + 1}")).to_be_visible(timeout=ACTION_TIMEOUT)
        expect(self.button("Reset")).to_be_enabled(timeout=ACTION_TIMEOUT)
        expect(self.day_text(0)).to_be_visible(timeout=ACTION_TIMEOUT)
        self.wait_for_new_src(self.charts_img(), None)

    def world(self) -> int:
        """The serial number of the world shown (one more after each Reset, in any tab)."""
        classes = self.page.locator("[class*='sw-world-']").first.get_attribute("class")
        return int(re.search(r"sw-world-(\d+)", classes).group(1))

    def day(self) -> int:
        return self._day_counter()[0]

    def election_day(self) -> int:
        return self._day_counter()[1]

    def _day_counter(self) -> tuple[int, int]:
        text = self.day_counter().inner_text().strip()
        match = _DAY.match(text)
        assert match, f"no day counter: {text!r}"
        return int(match.group(1)), int(match.group(2))

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def errors(self) -> list[str]:
        return (
            [f"console: {e}" for e in self.console_errors]
            + [f"page error: {e}" for e in self.page_errors]
            + [f"failed request: {e}" for e in self.failed_requests]
            + [f"request off this machine: {e}" for e in self.outside_requests]
        )


def open_app(page, url: str, name: str = "app") -> App:
    """Load the app in ``page`` up to its Step button and both figures, collecting errors."""
    page.set_default_timeout(ACTION_TIMEOUT)
    a = App(page, url)
    page.on("console", lambda m: m.type == "error" and a.console_errors.append(m.text))
    page.on("pageerror", lambda e: a.page_errors.append(str(e)))
    page.on("requestfailed", lambda r: a.failed_requests.append(f"{r.url} ({r.failure})"))
    page.on(
        "response",
        lambda r: r.status >= 400 and a.failed_requests.append(f"{r.url} (HTTP {r.status})"),
    )

    def outside(r) -> None:
        if not r.url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "blob:", "data:")):
            a.outside_requests.append(r.url)

    page.on("request", outside)
    start = time.perf_counter()
    page.goto(url)
    try:
        a.button("Step").wait_for(timeout=PAGE_TIMEOUT)
        a.figures().nth(1).wait_for(timeout=PAGE_TIMEOUT)
    except Exception as e:  # noqa: BLE001 - say why, with what the browser saw
        a.screenshot(f"{name}_load")
        seen = "\n".join(a.errors()[:10]) or "(no console errors)"
        pytest.fail(
            f"the app did not show its Step button and two figures within "
            f"{PAGE_TIMEOUT / 1000:.0f} s ({type(e).__name__}); offline, an empty page usually "
            f"means Solara's assets are missing (run scripts/solara-assets).\n{seen}",
            pytrace=False,
        )
    TIMINGS.setdefault("first page load", time.perf_counter() - start)
    return a


def screenshot_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.originalname)


@pytest.fixture
def app(app_server: str, request: pytest.FixtureRequest):
    """The app in a fresh tab, loaded up to its Step button, with errors being collected.

    Does not press Reset: each test does that first. A screenshot named after the test is saved
    at the end, pass or fail.
    """
    a = open_app(request.getfixturevalue("page"), app_server, screenshot_name(request))
    yield a
    try:
        a.screenshot(screenshot_name(request))
    except Exception as e:  # noqa: BLE001 - a screenshot must not hide the test's own result
        print(f"screenshot {screenshot_name(request)} failed: {e}", file=sys.stderr)


@pytest.fixture
def new_tab(app_server: str, request: pytest.FixtureRequest):
    """A function opening the app in another tab of this test's browser context (another
    Solara kernel: another browser tab as far as the server can tell). Tabs still open are
    closed at the end."""
    context = request.getfixturevalue("context")
    opened: list[App] = []

    def open_tab(name: str = "tab") -> App:
        tab = open_app(context.new_page(), app_server, f"{screenshot_name(request)}_{name}")
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        if not tab.page.is_closed():
            tab.page.close()
