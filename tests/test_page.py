"""The intern's page at /: its headers through the test client, and its use in a real headless Chromium.

The browser talks to the app served on a free port in a thread, the app to the recorded providers' stand-in
(covers included), and Chromium resolves no other host: nothing reaches the internet.
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import threading
import time
import zlib
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, _service_missing
from tests.metadata_server import FOX, SABRIEL, STARS

pytestmark = [pytest.mark.parametrize("store", ["memory"]),  # the page sees the API, not the store
              pytest.mark.xdist_group("browser")]  # one Chromium per worker is plenty on two cores

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "test-artifacts"))
WAIT = 10  # seconds an explicit wait may take before the step fails


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid PNG, the stand-in's cover image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


COVER = _png(20, 30, (200, 90, 40))


# --- Served: headers, caching, the policy (no browser needed) ---

def _asset_base(client) -> str:
    return re.search(r'src="(/page/[0-9a-f]+)/app\.js"', client.get("/").get_data(as_text=True)).group(1)


def test_the_page_is_served_at_the_root_with_a_strict_policy(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'" and policy["connect-src"] == "'self'"
    assert policy["img-src"] == "'self' https: http:" and policy["frame-ancestors"] == "'none'"
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
    assert client.get("/", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    html = response.get_data(as_text=True)
    assert '<meta name="viewport"' in html and "<script>" not in html and " style=" not in html
    assert "http" not in re.sub(r'placeholder="[^"]*"', "", html)  # nothing from another origin, no CDN


def test_assets_are_named_by_version_and_cached_for_good(client):
    base = _asset_base(client)
    script = client.get(f"{base}/app.js")
    assert script.status_code == 200 and script.mimetype in ("text/javascript", "application/javascript")
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for name in ("api.js", "dom.js", "notice.js", "session.js", "lookup.js", "catalog.js", "imports.js",
                 "app.css", "icon.svg"):
        assert client.get(f"{base}/{name}").status_code == 200, name
    stale = client.get("/page/000000000000/app.js")  # a page loaded before a deploy
    assert stale.status_code == 200 and "no-cache" in stale.headers["Cache-Control"]
    missing = client.get(f"{base}/nothing.js")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "NOT_FOUND"
    assert client.get(f"{base}/../routes.py").status_code == 404


def test_no_script_puts_api_text_into_html(client):
    base = _asset_base(client)
    for name in ("api.js", "dom.js", "notice.js", "session.js", "lookup.js", "catalog.js", "imports.js", "app.js"):
        source = client.get(f"{base}/{name}").get_data(as_text=True)
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source), name


def test_the_page_stays_out_of_the_api_document(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert "/" not in paths and not any(path.startswith("/page/") for path in paths)


# --- In Chromium ---

@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Debian's chromedriver (Selenium Manager never runs: the driver is given)."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        _service_missing(f"{' and '.join(missing)} not found: apt-get install chromium chromium-driver "
                         "(or set CHROMIUM and CHROMEDRIVER)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1000", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-default-apps",
                     "--disable-extensions", "--lang=en-US",
                     # Any name but localhost (the stand-in providers' host) fails to resolve: the page cannot reach the internet.
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def write_access():
    """LIBRARY_WRITE_ACCESS of the app under test; a test parametrizes it to try another mode."""
    return "member"


@pytest.fixture
def envelope():
    """RESPONSE_ENVELOPE of the app under test."""
    return False


@pytest.fixture
def settings(settings, providers, write_access, envelope):
    """The fixtures' settings on the real clock (a browser lives in real time), and covers at the stand-in."""
    providers.expect_request(re.compile(r"/covers/b/id/\d+-[SML]\.jpg")).respond_with_data(
        COVER, content_type="image/png")
    return {**settings, "CLOCK": None, "SLEEP": None, "LIBRARY_WRITE_ACCESS": write_access,
            "RESPONSE_ENVELOPE": envelope}


@pytest.fixture
def live_server(app):
    """The app on a free port, served by Werkzeug in a thread, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(browser, live_server):
    """The browser on a freshly loaded page, its modules wired."""
    browser.set_window_size(1280, 1000)
    browser.get(f"{live_server}/")
    _wait(browser, lambda d: d.execute_script("return document.documentElement.dataset.ready") == "true",
          "the page's scripts did not start")
    browser.get_log("browser")  # start the console log afresh
    return browser


def _wait(driver, condition, message: str):
    """Wait until `condition(driver)` is true; on timeout, fail saying what the page's live region says."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:  # an element read while the page re-renders is stale: read it again at the next poll
        return WebDriverWait(driver, WAIT, poll_frequency=0.05,
                             ignored_exceptions=[StaleElementReferenceException]).until(condition)
    except TimeoutException:
        pytest.fail(f"{message} within {WAIT} s; the page says: {_notice(driver)!r}")


def _by_id(driver, element_id: str):
    return driver.find_element("id", element_id)


def _notice(driver) -> str:
    try:
        return _by_id(driver, "notice").text
    except Exception:  # the page is not loaded yet
        return ""


def _grid(driver) -> list[str]:
    """The titles in the grid, read at one moment."""
    return driver.execute_script("return [...document.querySelectorAll('#grid .title')].map(t => t.textContent)")


def _type(driver, element_id: str, text: str) -> None:
    field = _by_id(driver, element_id)
    field.clear()
    field.send_keys(text)


def _sign_in(driver, base: str, username: str) -> None:
    requests.post(f"{base}/register", json={"username": username, "password": PASSWORD}, timeout=5).raise_for_status()
    from selenium.webdriver.common.keys import Keys

    _type(driver, "username", username)
    _type(driver, "password", PASSWORD + Keys.ENTER)
    _wait(driver, lambda d: _by_id(d, "whoami").text == username, "signing in did not show the username")


def _screenshot(driver, name: str) -> Path:
    """The whole page (not just the window), saved as an artifact of the run."""
    import base64

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    driver.execute_script("window.scrollTo(0, 0)")  # the sticky notice where a visitor sees it first
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
        "x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"screenshot: {path}")
    return path


def _console_errors(driver) -> list[str]:
    """Console errors other than the API's own error answers, which the page shows on purpose."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
            and not re.search(r"status of (400|401|403|404|409|422)", entry["message"])]


def test_the_intern_looks_up_saves_browses_and_signs_in_and_out(page, live_server):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    driver, base, started = page, live_server, time.monotonic()
    _wait(driver, lambda d: "library is empty" in _by_id(d, "catalog-count").text, "the empty library was not said")

    # A bad ISBN (as a scanner would send it: digits and Enter) is the API's 400, shown in the live region.
    _type(driver, "isbn", "12345" + Keys.ENTER)
    _wait(driver, lambda d: "INVALID_ISBN" in _notice(d), "a bad ISBN showed no error")
    assert _by_id(driver, "notice").get_attribute("aria-live") == "polite"
    assert not _by_id(driver, "preview").is_displayed()

    _type(driver, "isbn", "978-0-14-032872-1" + Keys.ENTER)
    _wait(driver, lambda d: _by_id(d, "preview-title").text == FOX.title, "the looked-up book was not shown")
    assert _by_id(driver, "preview-author").text == f"by {FOX.author}"
    cover = driver.find_element("css selector", "#preview-cover img")
    assert cover.get_attribute("src").endswith(f"/covers/b/id/{FOX.cover_id}-L.jpg")
    _wait(driver, lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", cover) == 20,
          "the cover did not load")

    # With the keyboard alone: from the ISBN field, Tab goes to Look up, the summary (it scrolls), then Save;
    # Enter presses it. Signed out, the default mode (member) answers 401, and the page says what to do.
    visited = []
    for _ in range(3):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        visited.append(driver.switch_to.active_element.get_attribute("id"))
    assert visited == ["lookup-button", "preview-summary", "save-button"]
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    _wait(driver, lambda d: "Sign in to save books" in _notice(d), "a refused save did not say to sign in")
    assert "TOKEN_MISSING" in _notice(driver)

    _sign_in(driver, base, "intern")
    _by_id(driver, "save-button").click()
    _wait(driver, lambda d: "Saved “Fantastic Mr. Fox”" in _notice(d), "saving did not say so")
    _wait(driver, lambda d: _grid(d) == [FOX.title], "the saved book is not in the grid")
    assert driver.find_element("css selector", "#grid img").get_attribute("alt") == f"Cover of {FOX.title}"
    assert _by_id(driver, "catalog-count").text == "1 book"

    assert not _by_id(driver, "save-button").is_enabled() and _by_id(driver, "save-button").text == "Saved"

    # Looked up and saved again: the API's 409 and its message.
    _type(driver, "isbn", FOX.isbn10 + Keys.ENTER)
    _wait(driver, lambda d: _by_id(d, "save-button").is_enabled(), "the second lookup did not offer to save")
    _by_id(driver, "save-button").click()
    _wait(driver, lambda d: "DUPLICATE_ISBN" in _notice(d), "a second save showed no conflict")

    # Six more books through the API, signed in as the page is, for two pages of six.
    token = driver.execute_script("return sessionStorage.getItem('library.access_token')")
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.post(f"{base}/books", json={"isbn": SABRIEL.isbn13}, headers=auth, timeout=10).status_code == 201
    for number in range(1, 6):
        response = requests.post(f"{base}/books", json={"title": f"Manual Book {number}", "author": "Test Author"},
                                 headers=auth, timeout=5)
        assert response.status_code == 201

    _type(driver, "q", "fox" + Keys.ENTER)
    _wait(driver, lambda d: _grid(d) == [FOX.title] and _by_id(d, "catalog-count").text == "1 book", "search failed")
    _type(driver, "q", "")
    _type(driver, "author", "test author" + Keys.ENTER)
    _wait(driver, lambda d: len(_grid(d)) == 5, "the author filter did not find the five manual books")
    _type(driver, "author", "")

    Select(_by_id(driver, "per-page")).select_by_visible_text("6")
    Select(_by_id(driver, "sort")).select_by_value("title")
    first_page = [FOX.title, *(f"Manual Book {n}" for n in range(1, 6))]
    _wait(driver, lambda d: _grid(d) == first_page and _by_id(d, "page-label").text == "Page 1 of 2",
          "page 1 sorted by title was not shown")
    assert _by_id(driver, "catalog-count").text == "7 books"
    assert not _by_id(driver, "prev-button").is_enabled()
    _by_id(driver, "next-button").click()
    _wait(driver, lambda d: _grid(d) == [SABRIEL.title] and _by_id(d, "page-label").text == "Page 2 of 2",
          "following next did not show page 2")
    assert not _by_id(driver, "next-button").is_enabled()
    assert driver.switch_to.active_element.get_attribute("id") == "prev-button"  # focus is not lost
    _by_id(driver, "prev-button").click()
    _wait(driver, lambda d: _grid(d) == first_page and _by_id(d, "page-label").text == "Page 1 of 2",
          "going back did not show page 1")

    # On a phone's width: the grid reflows, nothing overflows sideways.
    _screenshot(driver, "page-desktop.png")
    driver.set_window_size(390, 844)
    _wait(driver, lambda d: d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"),
          "the page is wider than a phone's screen")
    _screenshot(driver, "page-phone.png")
    driver.set_window_size(1280, 1000)

    _by_id(driver, "sign-out-button").click()
    _wait(driver, lambda d: _by_id(d, "sign-in").is_displayed() and "Signed out" in _notice(d), "signing out failed")
    assert driver.execute_script("return sessionStorage.getItem('library.access_token')") is None
    revoked = requests.get(f"{base}/me", headers=auth, timeout=5).json()["error"]["code"]
    assert revoked == "TOKEN_REVOKED"

    assert _console_errors(driver) == []
    print(f"page test: {time.monotonic() - started:.1f} s in the browser")



# Open mode also with the success envelope on: the page reads bodies inside {"success", "message", "data"}.
@pytest.mark.parametrize("write_access, envelope", [("admin", False), ("open", True)])
def test_the_page_says_who_may_save_in_each_write_mode(page, live_server, write_access):
    from selenium.webdriver.common.keys import Keys

    driver = page
    if write_access == "admin":  # a member's token: refused with 403, and told whom to sign in as
        _sign_in(driver, live_server, "member")
    _type(driver, "isbn", FOX.isbn13 + Keys.ENTER)
    _wait(driver, lambda d: _by_id(d, "preview-title").text == FOX.title and _by_id(d, "save-button").is_enabled(),
          "the lookup did not offer to save")
    _by_id(driver, "save-button").click()
    if write_access == "admin":
        _wait(driver, lambda d: "sign in as a librarian to save books" in _notice(d), "a 403 did not say what to do")
        assert "FORBIDDEN" in _notice(driver) and _grid(driver) == []
    else:  # open: nobody signs in
        _wait(driver, lambda d: _grid(d) == [FOX.title], "an open catalog did not take the book")
        assert _by_id(driver, "preview-author").text == f"by {FOX.author}"
        assert _by_id(driver, "catalog-count").text == "1 book"
    assert _console_errors(driver) == []

def test_an_import_of_three_isbns_shows_progress_and_the_books(page, live_server):
    """Needs POST /imports and GET /imports/<id> (SPEC.md, Imports and exports), built on another branch."""
    driver = page
    _sign_in(driver, live_server, "importer")
    sent = [FOX.isbn13, SABRIEL.isbn13, STARS.isbn10]
    _type(driver, "import-isbns", "\n".join(sent) + "\n")
    _by_id(driver, "import-button").click()

    def settled(d):
        summary = _by_id(d, "import-summary").text if _by_id(d, "import-progress").is_displayed() else ""
        return "finished" in summary or "error" in _by_id(d, "notice").get_attribute("class")
    _wait(driver, settled, "the import neither finished nor failed")
    assert "error" not in _by_id(driver, "notice").get_attribute("class"), f"the import failed: {_notice(driver)}"
    assert "3 of 3 done, 0 failed" in _by_id(driver, "import-summary").text
    rows = driver.execute_script("return [...document.querySelectorAll('#import-rows tbody tr')]"
                                 ".map(r => [...r.cells].map(c => c.textContent))")
    assert [row[0] for row in rows] == ["1", "2", "3"] and [row[2] for row in rows] == ["Added"] * 3, rows
    # A row names its ISBN as sent or normalised: SPEC.md does not say which.
    assert all(row[1] in (isbn, book.isbn13) for row, isbn, book in zip(rows, sent, (FOX, SABRIEL, STARS))), rows
    _wait(driver, lambda d: sorted(_grid(d)) == sorted([FOX.title, SABRIEL.title, STARS.title]),
          "the imported books did not appear in the grid")
    _screenshot(driver, "page-import.png")
    assert _console_errors(driver) == []
