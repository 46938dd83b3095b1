"""The pool behind nginx: rolling restart under load, a killed worker, the rate
limit on login/register, and JSON when the pool is down."""

import os
import signal
import subprocess
import time

import pytest
import requests

from conftest import LoadThreads, json_body


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def health_pids(portal, n: int) -> set:
    s = portal.new_session()
    return {s.get(portal.url("/health"), timeout=10).json()["pid"] for _ in range(n)}


class HealthLoad(LoadThreads):
    """Threads that GET /health until stopped, recording every outcome."""

    def __init__(self, portal, threads: int = 4):
        self.portal = portal
        self.results = []  # (status or exception text, pid or None)
        super().__init__(threads, join_timeout=30)

    def _run(self):
        s = self.portal.new_session()
        while not self.stop.is_set():
            try:
                r = s.get(self.portal.url("/health"), timeout=20)
                pid = r.json().get("pid") if r.status_code == 200 else None
                outcome = (r.status_code, pid)
            except (requests.RequestException, ValueError) as e:
                outcome = (repr(e), None)
            with self.lock:
                self.results.append(outcome)

    def count(self) -> int:
        with self.lock:
            return len(self.results)

    def last_pids(self, n: int) -> list:
        with self.lock:
            return [pid for _, pid in self.results[-n:]]


def wait_until(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def test_sighup_rolling_restart_drops_no_request(portal):
    supervisor = portal.supervisor_pid()
    before = health_pids(portal, 30)
    assert all(parent_of(p) == supervisor for p in before)

    with HealthLoad(portal, threads=4) as load:
        wait_until(lambda: load.count() >= 40, 30, "40 requests before SIGHUP")
        os.kill(supervisor, signal.SIGHUP)
        hup_at = load.count()
        # Keep the load on until every answer comes from a new worker, and at least 200 in all.
        wait_until(
            lambda: load.count() >= max(200, hup_at + 60)
            and not (set(load.last_pids(24)) & before),
            60,
            "answers from new workers only",
        )
        results = list(load.results)

    failures = [r for r in results if r[0] != 200]
    assert not failures, f"{len(failures)} of {len(results)} requests failed during SIGHUP: {failures[:5]}"
    assert portal.proc.poll() is None, "the supervisor exited on SIGHUP"
    after = health_pids(portal, 30)
    assert not (after & before), f"old workers still answer: {after & before}"
    assert all(parent_of(p) == supervisor for p in after)
    assert len(after) >= 2, f"after the reload only {after} answer (2 workers configured)"


def test_killed_worker_is_replaced(portal):
    supervisor = portal.supervisor_pid()
    victim = portal.session.get(portal.url("/health"), timeout=10).json()["pid"]
    assert parent_of(victim) == supervisor  # only ever kill our own pool's worker
    os.kill(victim, signal.SIGKILL)

    def replaced():
        pids = health_pids(portal, 12)
        return victim not in pids and len(pids) >= 2

    wait_until(replaced, 15, f"a replacement for worker {victim}")
    assert portal.proc.poll() is None
    with HealthLoad(portal, threads=2) as load:
        wait_until(lambda: load.count() >= 40, 30, "40 requests after the respawn")
    assert all(status == 200 for status, _ in load.results), load.results[:5]


# --- nginx rate limit -------------------------------------------------------


@pytest.fixture(scope="module")
def strict(extra_nginx):
    """A second nginx in front of the same pool with rate 1r/m, burst 1."""
    return extra_nginx("strict", rate="1r/m", burst=1)


@pytest.mark.parametrize("method, path", [("GET", "/api/v1/auth"), ("POST", "/api/v1/register"),
                                          ("POST", "/api/v1/forgot-password")])
def test_rate_limit_answers_429_json(portal, strict, method, path):
    s = portal.new_session()
    statuses = []
    last = None
    for _ in range(5):
        last = s.request(method, strict.base_url + path, data={} if method == "POST" else None, timeout=15)
        statuses.append(last.status_code)
    assert 429 in statuses, statuses
    assert statuses[-1] == 429, statuses
    assert all(st < 500 for st in statuses), statuses
    assert json_body(last) == {"message": "API rate limit exceeded"}
    assert last.headers["Content-Type"] == "application/json"
    assert last.headers.get("Strict-Transport-Security") == "max-age=31536000"


def test_rate_limit_does_not_touch_other_paths(portal, strict):
    s = portal.new_session()
    statuses = [s.get(strict.base_url + "/health", timeout=10).status_code for _ in range(10)]
    assert statuses == [200] * 10, statuses


# --- pool down ----------------------------------------------------------------


@pytest.fixture(scope="module")
def dead(extra_nginx, portal):
    """nginx pointed at a socket nobody listens on."""
    return extra_nginx("dead", socket_path=portal.root / "run" / "nobody.sock")


def test_pool_down_gives_api_clients_503_in_their_familys_json_and_pages_html(portal, dead):
    s = portal.new_session()
    unavailable = "Service unavailable, try again shortly"
    for method, path, body in [
        ("GET", "/api/v1/developer", {"message": unavailable}),
        ("POST", "/api/v1/register", {"message": unavailable}),
        ("GET", "/api/projects/p1/tokens", {"message": unavailable, "code": "SERVICE_UNAVAILABLE", "status": 503, "info": None}),
        ("GET", "/api/portal/requests", {"Status": "Error", "Message": unavailable, "Meta": None}),
    ]:
        r = s.request(method, dead.base_url + path, data={"email": "a@b.c"} if method == "POST" else None, timeout=15)
        assert r.status_code == 503, (path, r.status_code)
        assert r.headers["Content-Type"] == "application/json" and r.headers.get("Retry-After") == "5", (path, r.headers)
        assert json_body(r) == body, path
    r = s.get(dead.base_url + "/api/v2/portals", timeout=15)
    assert r.headers["Content-Type"] == "application/problem+json", r.headers
    problem = r.json()
    assert r.status_code == 503 and problem["status"] == 503 and problem["title"] == "Service Unavailable", problem
    assert problem["detail"] == unavailable and problem["instance"].startswith("portal:trace:"), problem
    # Pages and theme files: a small HTML page, whatever the extension says.
    for path in ("/", "/catalog", "/assets/portal.css"):
        r = s.get(dead.base_url + path, timeout=15)
        assert r.status_code == 503 and r.headers["Content-Type"].startswith("text/html"), (path, r.status_code, r.headers)
        assert "<h1>Service unavailable</h1>" in r.text and r.headers.get("Retry-After") == "5", path
        assert r.headers.get("Strict-Transport-Security") == "max-age=31536000", path
    # Retry-After is only on those: an answer of the live pool has none.
    assert "Retry-After" not in portal.session.get(portal.url("/health"), timeout=10).headers


# --- the CLI around the running pool ---------------------------------------------


def test_migrate_on_the_live_database(portal):
    r = subprocess.run([str(portal.binary), "migrate", "--config", str(portal.config_path)],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert portal.session.get(portal.url("/health"), timeout=10).status_code == 200


def test_second_pool_on_the_same_socket_refuses_to_start(portal):
    """Last in this file: a pool that wrongly steals the socket would break what follows."""
    second = subprocess.Popen([str(portal.binary), "serve", "--config", str(portal.config_path)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, err = second.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=20)
        raise AssertionError("a second `serve` on a live pool's socket kept running")
    assert second.returncode == 1, (second.returncode, err)
    assert err.strip(), "no message on stderr"
    assert portal.pid_file.read_text().strip() == str(portal.supervisor_pid()), "the pid file was overwritten"
    assert portal.socket_path.is_socket()
    statuses = [portal.session.get(portal.url("/health"), timeout=10).status_code for _ in range(10)]
    assert statuses == [200] * 10
