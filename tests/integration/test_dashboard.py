"""`invoke dashboard` in a real browser: Debian's headless Chromium, driven through Selenium,
against the dashboard of a real 3-node swarm (the module's one cluster) with its stack deployed.

What the page shows is read from the DOM (the boxes carry their service, release, state and
node as data attributes); every wait is on a condition of the page, with a deadline. The
buttons run the same task bodies as the command line. The test of the swarm's scale also
takes a screenshot, in its temporary folder: WSTEST_SCREENSHOT=docs/dashboard.png makes it the
one the README shows (a test run leaves the checkout's files as they were).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, free_port, in_ci
from python_on_whales import DockerClient

pytestmark = pytest.mark.integration

RELEASES = Path(__file__).parent / "releases"
#: WSTEST_SCREENSHOT=PATH: where the scale test saves its screenshot (docs/dashboard.png to renew the README's)
SCREENSHOT = "WSTEST_SCREENSHOT"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1400,1000")  # fmt: skip
BOXES = """return [...document.querySelectorAll('.node')].flatMap(node => [...node.querySelectorAll('.task')]
  .map(t => ({node: node.dataset.node, service: t.dataset.service, release: t.dataset.release,
              state: t.dataset.state, replica: t.dataset.replica})));"""


def browser_binaries() -> tuple[str, str]:
    """Debian's chromium and chromium-driver; installed with apt-get when missing (as root, or
    under CI with passwordless sudo)."""
    found = shutil.which("chromium"), shutil.which("chromedriver")
    if all(found):
        return found  # type: ignore[return-value]
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if sudo and not in_ci():
        pytest.skip("chromium and chromium-driver are missing: `sudo apt-get install chromium chromium-driver`")
    environ = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-q"], check=True, capture_output=True, env=environ, timeout=600)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"],
                   check=True, capture_output=True, env=environ, timeout=900)  # fmt: skip
    found = shutil.which("chromium"), shutil.which("chromedriver")
    assert all(found), "apt-get installed chromium and chromium-driver, but they are not on PATH"
    return found  # type: ignore[return-value]


@pytest.fixture(scope="module")
def dashboard(cluster, tmp_path_factory):
    """`invoke dashboard` of the cluster's project, running; its URL (with the token)."""
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard") / "stderr.log"
    with log.open("w") as stderr:
        environ = cluster.environ(DASHBOARD_PORT=str(port))
        process = subprocess.Popen(
            cluster.command("dashboard"),
            cwd=ROOT,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while not any(line.startswith("dashboard: ") for line in lines) and time.monotonic() < deadline:
        assert process.poll() is None, f"the dashboard ended: {lines} {log.read_text()}"
        time.sleep(0.1)
    url = next(line for line in lines if line.startswith("dashboard: ")).split(" ", 1)[1].strip()
    assert url.startswith(f"http://127.0.0.1:{port}/?token=")
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        reader.join(timeout=5)
        assert "dashboard stopped" in "".join(lines), log.read_text()


@pytest.fixture(scope="module")
def browser(dashboard, tmp_path_factory):
    """Headless Chromium on the dashboard's page, with the console log kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = browser_binaries()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    try:
        began = time.monotonic()
        driver.get(dashboard)
        wait(driver, lambda d: d.execute_script("return window.dashboard && window.dashboard.boards > 0"), 20)
        driver.first_board = time.monotonic() - began  # type: ignore[attr-defined]
        yield driver
    finally:
        driver.quit()


def wait(driver, condition, timeout: float, message: str | Callable[[], str] = ""):
    """Selenium's own wait: the condition, asked every 0.1 s, until it holds or the deadline passes
    (then the message, made at that moment when it is a function)."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    # the page redraws as events come: an element found a moment ago may be gone when read (stale);
    # the condition is then asked again, on the element drawn in its place
    try:
        return WebDriverWait(
            driver, timeout, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]
        ).until(condition)
    except TimeoutException:
        raise AssertionError(f"not within {timeout}s: {message() if callable(message) else message}") from None


def boxes(driver, service: str = "app") -> list[dict]:
    """The task boxes the page draws, of one service."""
    return [b for b in driver.execute_script(BOXES) if b["service"] == service]


def seen(driver) -> str:
    """What the page showed last (for a failure's message): boxes, events, how long its read took."""
    board = driver.execute_script("return window.dashboard.lastBoard") or {}
    return f"boxes {boxes(driver)}; events {board.get('events')}; read in {board.get('read_ms')} ms"


def click(driver, selector: str) -> None:
    """Click the button ``selector`` names, as a learner would: the one on the page now."""
    from selenium.webdriver.common.by import By

    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, selector).click() or True, 30, f"{selector} clicked")


def press(driver, key: str, node: str | None = None, timeout: float = 300) -> dict:
    """Press a button and wait for its result on the page: ``{"ok": bool, "text": ...}``."""
    from selenium.webdriver.common.by import By

    selector = f'button[data-action="{key}"]' + (f'[data-node="{node}"]' if node else "")
    # enabled once the action before it is done (a slow one may still run); the page clears the
    # last outcome when this action starts, so the outcome waited for is this action's own
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, selector).is_enabled(), timeout, f"{selector} enabled")
    click(driver, selector)
    wait(driver, lambda d: d.find_element(By.ID, "result").get_attribute("data-ok"), timeout, f"{key}'s result")
    result = driver.find_element(By.ID, "result")
    return {"ok": result.get_attribute("data-ok") == "true", "text": result.text}


def test_the_page_lists_the_five_examples_with_their_states(browser, record_property):
    from selenium.webdriver.common.by import By

    record_property("first_board_s", round(browser.first_board, 3))
    timing = browser.execute_script("const t = performance.timing; return t.loadEventEnd - t.navigationStart;")
    record_property("page_load_ms", timing)
    rows = {r.get_attribute("data-example"): r.get_attribute("data-state")
            for r in browser.find_elements(By.CSS_SELECTOR, "#examples tbody tr")}  # fmt: skip
    assert {"hello", "nginx", "curl", "compose", "swarm"} <= set(rows), rows
    assert set(rows.values()) <= {"not started", "running", "healthy", "unhealthy", "stopped"}, rows
    assert rows["swarm"] in ("running", "healthy"), rows
    assert rows["compose"] == "not started", rows  # the cluster's project runs no compose stack
    print(f"first board on screen {browser.first_board:.2f}s after the page was asked for (load event {timing} ms)")


def test_pressing_scale_shows_three_app_boxes_within_10_s(browser, tmp_path):
    assert press(browser, "stack.scale-down")["ok"]
    wait(browser, lambda d: len(boxes(d)) == 2, 30, "two app boxes after scale -1")
    clicked = time.monotonic()
    from selenium.webdriver.common.by import By

    click(browser, 'button[data-action="stack.scale-up"]')
    wait(browser, lambda d: len(boxes(d)) == 3, 10, lambda: f"three app boxes within 10 s of scale +1; {seen(browser)}")
    shown = time.monotonic() - clicked
    wait(browser, lambda d: d.find_element(By.ID, "result").get_attribute("data-ok") == "true", 180, "scale done")
    wait(browser, lambda d: [b["state"] for b in boxes(d)] == ["running"] * 3, 30, "three running app boxes")
    shot = Path(os.environ.get(SCREENSHOT) or tmp_path / "dashboard.png")
    assert browser.save_screenshot(str(shot)) and shot.read_bytes().startswith(b"\x89PNG"), shot
    print(f"three app boxes on screen {shown:.2f}s after pressing scale +1")


def test_draining_redis_node_shows_its_one_line_and_changes_nothing(browser, cluster):
    nodes = browser.execute_script("return window.dashboard.lastBoard.panels.swarm.nodes")
    redis = next(n for n in nodes if n["redis"])
    result = press(browser, "swarm.drain", redis["name"], timeout=60)
    assert not result["ok"]
    assert "keeps Redis and its volume" in result["text"], result
    assert result["text"].count("error:") == 1, result
    node = DockerClient(host=f"unix://{manager_socket(cluster)}").node.inspect(redis["name"])
    assert node.spec.availability == "active"


def manager_socket(cluster) -> Path:
    from workshop.config import state_dir

    return state_dir() / "swarm" / cluster.project / "sock" / "docker.sock"


def app_releases(driver) -> list[str]:
    return sorted(b["release"] for b in boxes(driver) if b["state"] == "running")


@pytest.fixture(scope="module")
def release_v2(cluster, docker_client, tmp_path_factory):
    """A second release of the app (tests/integration/releases: its X-Served-By marked " v2")."""
    env_file = tmp_path_factory.mktemp("releases") / "releases.env"
    env_file.write_text(f"RELEASE_TAG={cluster.project}-release\nAPP_IMAGE={cluster.env['APP_IMAGE']}\n")
    builder = DockerClient(compose_files=[RELEASES / "compose.yml"], compose_env_files=[env_file],
                           compose_project_name=cluster.project)  # fmt: skip
    builder.compose.build(["v2"])
    name = f"{cluster.project}-release-v2"
    yield name
    if docker_client.image.exists(name):
        docker_client.image.remove(name, force=True)


def watch_releases(driver, until, timeout: float) -> list[tuple[str, ...]]:
    """The app's releases as the page shows them, each distinct picture once, until ``until()``."""
    seen: list[tuple[str, ...]] = []
    deadline = time.monotonic() + timeout
    while not until():
        picture = tuple(app_releases(driver))
        if picture and (not seen or seen[-1] != picture):
            seen.append(picture)
        assert time.monotonic() < deadline, f"not done after {timeout}s; seen {seen}"
        time.sleep(0.1)
    return seen


def test_a_rollout_and_the_rollback_button_change_the_release_box_by_box(browser, cluster, release_v2):
    before = set(app_releases(browser))
    assert len(before) == 1, before
    rollout = cluster.popen("stack.update", "--image", release_v2)
    seen = watch_releases(browser, lambda: rollout.poll() is not None, 300)
    assert rollout.wait() == 0, rollout.stderr.read().decode() if rollout.stderr else ""
    wait(browser, lambda d: len(set(app_releases(d))) == 1 and set(app_releases(d)) != before, 30, "all on v2")
    mixed = [p for p in seen if len(set(p)) > 1]
    assert mixed, f"the page never showed old and new releases side by side: {seen}"

    from selenium.webdriver.common.by import By

    browser.execute_script("document.getElementById('result').removeAttribute('data-ok')")
    click(browser, 'button[data-action="stack.rollback"]')
    back = watch_releases(browser, lambda: browser.find_element(By.ID, "result").get_attribute("data-ok"), 300)
    assert browser.find_element(By.ID, "result").get_attribute("data-ok") == "true"
    wait(browser, lambda d: set(app_releases(d)) == before and len(app_releases(d)) == 3, 30, "all back")
    assert [p for p in back if len(set(p)) > 1], f"the rollback was not shown box by box: {back}"


def test_update_force_replaces_the_boxes_one_by_one(browser):
    from selenium.webdriver.common.by import By

    first = {b["replica"]: b for b in boxes(browser)}
    browser.execute_script("document.getElementById('result').removeAttribute('data-ok')")
    ids = "return window.dashboard.lastBoard.panels.swarm.tasks.filter(t => t.service === 'app').map(t => t.id)"
    before = set(browser.execute_script(ids))
    click(browser, 'button[data-action="stack.update"]')
    pictures: list[int] = []  # how many of the first tasks are still on the page
    while not browser.find_element(By.ID, "result").get_attribute("data-ok"):
        left = len(before & set(browser.execute_script(ids)))
        if not pictures or pictures[-1] != left:
            pictures.append(left)
        time.sleep(0.1)
    assert browser.find_element(By.ID, "result").get_attribute("data-ok") == "true"
    wait(browser, lambda d: not before & set(d.execute_script(ids)), 30, "every replica replaced")
    assert len([p for p in pictures if 0 < p < len(before)]) >= 1, f"replaced all at once: {pictures}"
    assert len(first) == 3


def test_killing_a_worker_turns_its_column_red_and_its_tasks_reappear_elsewhere(browser):
    from selenium.webdriver.common.by import By

    nodes = browser.execute_script("return window.dashboard.lastBoard.panels.swarm.nodes")
    victim = next(n for n in nodes if n["role"] == "worker" and not n["redis"])
    on_it = [b for b in boxes(browser) if b["node"] == victim["name"]]
    assert on_it, f"no app replica on {victim['name']}: nothing would move"
    assert press(browser, "swarm.kill", victim["name"], timeout=60)["ok"]
    column = f'.node[data-node="{victim["name"]}"]'
    wait(browser, lambda d: "down" in d.find_element(By.CSS_SELECTOR, column).get_attribute("class"), 30, "red")
    wait(browser, lambda d: len([b for b in boxes(d) if b["state"] == "running" and b["node"] != victim["name"]]) == 3,
         120, "the killed node's replicas running elsewhere")  # fmt: skip
    assert press(browser, "swarm.up", timeout=600)["ok"]
    wait(browser, lambda d: "down" not in d.find_element(By.CSS_SELECTOR, column).get_attribute("class"), 60, "back")


def manager_node(docker_client, cluster):
    """The container of the cluster's node 1, its manager (on this machine's engine)."""
    from workshop.config import Settings

    prefix = Settings.load().label_prefix("WORKSHOP_LABEL_PREFIX")
    labels = [("label", f"{prefix}.project={cluster.project}"), ("label", f"{prefix}.swarm-node=1")]
    [found] = docker_client.container.list(filters=labels)
    return found


def test_the_page_says_the_cluster_is_gone_and_comes_back_by_itself(browser, cluster, docker_client):
    """The manager's node is killed (the dashboard reads the cluster through its socket, which goes with
    it): the page says the manager does not answer; started again, the page draws the cluster again
    by itself, without being reloaded."""
    from selenium.webdriver.common.by import By

    def note(driver) -> tuple[str, str]:
        found = driver.find_element(By.ID, "swarm-note")
        return found.get_attribute("class"), found.text

    browser.execute_script("window.notReloaded = true")
    manager = manager_node(docker_client, cluster)
    # killed as `swarm.kill` kills a worker: a `docker stop` of this engine-in-a-container once hung
    # for over ten minutes on a loaded machine (the engine waiting on its nested containers)
    docker_client.container.kill(manager)
    try:
        wait(browser, lambda d: note(d)[0] == "problem" and "does not answer" in note(d)[1], 60,
             lambda: f"the page saying the manager is gone; it says {note(browser)}")  # fmt: skip
        print(f"with the manager stopped, the page says: {note(browser)[1]}")
    finally:
        docker_client.container.start(manager)
    ready = ".node:not(.down)"
    again = "the cluster drawn again, three nodes ready"
    wait(browser, lambda d: note(d)[0] == "muted" and len(d.find_elements(By.CSS_SELECTOR, ready)) == 3, 300,
         lambda: f"{again}; the page says {note(browser)}; {seen(browser)}")  # fmt: skip
    assert browser.execute_script("return window.notReloaded === true"), "the page was reloaded"


def test_no_error_in_the_browser_console_and_the_delay_from_event_to_screen(browser, record_property):
    logs = browser.get_log("browser")
    severe = [entry for entry in logs if entry["level"] == "SEVERE"]
    assert severe == [], severe
    delays = browser.execute_script("return window.dashboard.delays")
    assert delays, "no board was drawn for an engine event"
    delays = sorted(delays)
    record_property("event_to_screen_ms_median", delays[len(delays) // 2])
    record_property("event_to_screen_ms_max", delays[-1])
    print(f"event to screen: median {delays[len(delays) // 2]:.0f} ms, max {delays[-1]:.0f} ms over {len(delays)}")
