"""`aims serve` in a real browser: Selenium driving Debian's chromium and chromium-driver.

Skipped, with the reason, when the browser or its driver is not installed (`apt-get install
chromium chromium-driver`; .ci/run does it). No browser is downloaded at run time.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest

from cli.workspace.findings import FindingStore
from cli.workspace.store import Workspace
from gap.models import FindingStatus, ReviewState

from tests.cli.review_helpers import draft, workspace_with

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)


@pytest.fixture
def server(workspace_dir) -> Iterator[tuple[str, FindingStore]]:
    from werkzeug.serving import make_server

    from cli.web.app import LOOPBACK_HOSTS, create_app

    workspace_with(workspace_dir, [draft("5.2"), draft("A.2.2", status=FindingStatus.PARTIAL), draft("6.1.2"),
                                   draft("A.6.2.8", status=FindingStatus.PARTIAL)])
    app = create_app(workspace_dir, secret_key="browser-test", trusted_hosts=LOOPBACK_HOSTS)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", FindingStore(Workspace(workspace_dir))
    finally:
        httpd.shutdown()
        httpd.server_close()


def _browser(tmp_path, name: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    profile = tmp_path / f"chromium-{name}"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browsers(tmp_path):  # type: ignore[no-untyped-def]
    opened = []

    def open_one(name: str):  # type: ignore[no-untyped-def]
        driver = _browser(tmp_path, name)
        opened.append(driver)
        return driver

    yield open_one
    for driver in opened:
        driver.quit()


def _by():  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return By


def submit(driver, element_id: str) -> None:  # type: ignore[no-untyped-def]
    """Click a submit button and wait for the next page, so no element of the old one is read."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    button = driver.find_element(_by().ID, element_id)
    button.click()

    def left_the_page(_driver) -> bool:  # type: ignore[no-untyped-def]
        try:
            button.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as exc:
            # Chromium sometimes reports a node of the unloaded page this way instead of as stale.
            if "does not belong to the document" in str(exc):
                return True
            raise
        return False

    WebDriverWait(driver, 20).until(left_the_page)


def login(driver, base: str, name: str) -> None:  # type: ignore[no-untyped-def]
    By = _by()
    driver.get(base + "/")
    assert "/login" in driver.current_url
    driver.find_element(By.ID, "name").send_keys(name)
    submit(driver, "login")
    assert driver.find_element(By.ID, "reviewer-name").text == name


def test_review_in_the_browser(server, browsers):
    from selenium.webdriver.support.ui import Select

    By = _by()
    base, store = server
    driver = browsers("alice")
    login(driver, base, "alice")
    # the dashboard: cards and inline SVG charts
    assert "0/70" in driver.find_element(By.ID, "card-reviewed").text
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.chart")) == 4
    # filter the findings
    driver.get(base + "/findings")
    Select(driver.find_element(By.ID, "filter-status")).select_by_value("partial")
    submit(driver, "apply-filters")
    listed = [row.get_attribute("data-requirement") for row in driver.find_elements(By.CSS_SELECTOR, "tr[data-requirement]")]
    assert listed == ["A.2.2", "A.6.2.8"]
    # accept one
    driver.get(driver.find_element(By.LINK_TEXT, "A.2.2").get_attribute("href"))
    submit(driver, "accept")
    assert driver.find_element(By.ID, "review-state").text == "accepted"
    # edit one with a note
    driver.get(base + "/findings/5.2")
    Select(driver.find_element(By.ID, "edit-status")).select_by_value("partial")
    driver.find_element(By.ID, "edit-rationale").send_keys("The policy exists but is not yet approved.")
    driver.find_element(By.ID, "note").send_keys("approval minutes requested")
    submit(driver, "edit")
    assert driver.find_element(By.ID, "review-state").text == "edited"
    assert driver.find_element(By.ID, "review-note").text == "approval minutes requested"
    # reject one
    driver.get(base + "/findings/6.1.2")
    driver.find_element(By.ID, "note").send_keys("cites the wrong document")
    submit(driver, "reject")
    assert driver.find_element(By.ID, "review-state").text == "rejected"
    # the trail shows the three decisions and still verifies
    driver.get(base + "/trail")
    assert driver.find_element(By.ID, "trail-head").text.startswith("3 event(s)")
    assert "Verified" in driver.find_element(By.ID, "trail-status").text
    rows = driver.find_elements(By.CSS_SELECTOR, "#events tr")[1:]
    assert [r.find_elements(By.TAG_NAME, "td")[3].text for r in rows] == ["reject", "edit", "accept"]
    assert {r.find_elements(By.TAG_NAME, "td")[2].text for r in rows} == {"alice"}
    # and the workspace agrees: the same store the CLI uses
    assert store.get("5.2").status is FindingStatus.PARTIAL and store.verify() == []


def test_two_reviewers_on_one_finding_the_second_is_refused(server, browsers):
    By = _by()
    base, store = server
    alice, bob = browsers("alice"), browsers("bob")
    login(alice, base, "alice")
    login(bob, base, "bob")
    alice.get(base + "/findings/A.6.2.8")
    bob.get(base + "/findings/A.6.2.8")
    submit(alice, "accept")
    assert alice.find_element(By.ID, "review-state").text == "accepted"
    bob.find_element(By.ID, "note").send_keys("I disagree")
    submit(bob, "reject")
    alert = bob.find_element(By.CSS_SELECTOR, ".flash.error").text
    assert "decided by alice" in alert and "reload" in alert
    finding = store.get("A.6.2.8")
    assert finding.review.state is ReviewState.ACCEPTED and finding.review.reviewer == "alice"
    assert [e.actor for e in store.events()] == ["alice"]
