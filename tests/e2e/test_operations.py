"""Operations for hosting providers (issue 12), end to end: migrate --status, online backup under
a write load and restore, request ids, slow/stuck requests, the supervisor's status and metrics,
config check, and an install into a scratch root started the way systemd would.

Tests that stop and start a pool use their own `Portal` instance (the `ops_portal` fixture) in a
temp dir, never the session's shared `portal`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from conftest import _TEMP_DIRS, LoadThreads, Portal, find_binary, new_email

PASSWORD = "correct horse battery"


# --- an own pool that tests may stop, restore and start ---------------------------------------------


def cli(p: Portal, *args, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    """`portal-fcgi ARGS --config` of `p`, the way an operator runs it."""
    cmd = [str(p.binary), *map(str, args), "--config", str(p.config_path)]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return proc


def stop_pool(p: Portal):
    """SIGTERM the supervisor only (nginx stays up and answers 502/503 meanwhile)."""
    assert p.proc is not None and p.proc.poll() is None, "the pool is not running"
    p.proc.send_signal(signal.SIGTERM)
    assert p.proc.wait(timeout=30) == 0, f"the pool exited {p.proc.returncode} on SIGTERM"


def start_pool(p: Portal):
    """Start `serve` again for `p` (after stop_pool) and wait until /health answers through nginx."""
    with open(p.pool_log, "ab") as log:
        p.proc = subprocess.Popen([str(p.binary), "serve", "--config", str(p.config_path)],
                                  stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=p.root)
    deadline = time.monotonic() + 60
    while True:
        try:
            if p.session.get(p.url("/health"), timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert p.proc.poll() is None, f"the pool exited {p.proc.returncode} at start; log {p.pool_log}"
        assert time.monotonic() < deadline, "/health did not answer 200 within 60 s of the restart"
        time.sleep(0.1)


def make_portal(prefix: str, **config) -> Portal:
    root = Path(tempfile.mkdtemp(prefix=prefix))
    _TEMP_DIRS.append(root)
    p = Portal(root, find_binary())
    p.config.update(config)
    p.start()
    return p


@pytest.fixture(scope="module")
def ops_portal():
    p = make_portal("portal-e2e-ops-", request_slowlog_timeout_seconds=1)
    try:
        yield p
    finally:
        p.stop()


def db_rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(sql).fetchall()


# --- 1. migrate --status ------------------------------------------------------------------------------


def test_migrate_status_lists_every_migration_applied_in_order(ops_portal):
    out = cli(ops_portal, "migrate", "--status").stdout.splitlines()
    entries = [line.split() for line in out[:-1]]
    recorded = [row[0] for row in db_rows(ops_portal.database_path, "SELECT identifier FROM grdb_migrations ORDER BY rowid")]
    assert [e[1] for e in entries] == recorded, out
    assert all(e[0] == "applied" for e in entries), out
    assert out[-1].startswith(f"{len(recorded)} applied, 0 pending"), out[-1]


def test_migrate_status_of_a_new_file_is_all_pending_and_creates_nothing(ops_portal, tmp_path):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"database_path": "none.sqlite"}))
    proc = subprocess.run([str(ops_portal.binary), "migrate", "--status", "--config", str(config)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines and all(line.startswith("pending  ") for line in lines[:-1]), lines
    assert lines[-1].startswith(f"0 applied, {len(lines) - 1} pending"), lines[-1]
    assert not (tmp_path / "none.sqlite").exists()


# --- 2. backup under load, restore ----------------------------------------------------------------------


class RegisterLoad(LoadThreads):
    """Threads registering developers through nginx, recording when each 2xx arrived."""

    def __init__(self, p: Portal, threads: int = 3):
        self.p = p
        self.acked: list[tuple[str, float, float]] = []  # (email, sent at, acknowledged at), monotonic
        self.failures: list[str] = []
        super().__init__(threads)

    def _run(self):
        s = self.p.new_session()
        while not self.stop.is_set():
            email = new_email()
            sent = time.monotonic()
            try:
                r = s.post(self.p.url("/api/v1/register"), timeout=30,
                           data={"email": email, "password": PASSWORD, "meta": '{"full_name":"Load"}'})
                done = time.monotonic()
                with self.lock:
                    if 200 <= r.status_code < 300:
                        self.acked.append((email, sent, done))
                    else:
                        self.failures.append(f"{r.status_code} {r.text[:200]}")
            except requests.RequestException as e:
                with self.lock:
                    self.failures.append(repr(e))


def fill_developers(p: Portal, count: int):
    """`count` developers inserted with SQL straight into the live file (WAL: safe beside the pool)."""
    portal_id = db_rows(p.database_path, "SELECT id FROM portals WHERE is_default = 1")[0][0]
    with sqlite3.connect(p.database_path, timeout=30) as conn:
        conn.execute(
            """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
               INSERT INTO developers (id, portal_id, email, password_hash, meta, status, consumer_id, created_at, updated_at)
               SELECT 'bulk-' || i, ?, 'bulk-' || i || '@example.com', '$argon2id$v=19$m=7168,t=5,p=1$c2FsdA$aGFzaA',
                      '{"full_name":"Bulk"}', 'approved', 'bulk-consumer-' || i,
                      '2026-12-01 00:00:00.000', '2026-12-01 00:00:00.000' FROM n""", (count, portal_id))


def test_backup_under_write_load_then_restore_keeps_every_acknowledged_write(ops_portal):
    p = ops_portal
    fill_developers(p, 20_000)
    backup = p.root / "backup.sqlite"
    with RegisterLoad(p) as load:
        deadline = time.monotonic() + 30
        while len(load.acked) < 10:
            assert time.monotonic() < deadline, f"no registrations acknowledged: {load.failures[:3]}"
            time.sleep(0.05)
        backup_started = time.monotonic()
        proc = cli(p, "backup", backup, "--pages-per-step", "100")
        backup_ended = time.monotonic()
        time.sleep(1.5)  # writes after the backup: the restore must take them away again
    assert not load.failures, load.failures[:5]

    progress = re.findall(r"copied (\d+)/(\d+) pages", proc.stderr)
    assert len(progress) >= 3, proc.stderr
    assert progress[-1][0] == progress[-1][1], progress[-1]
    assert "integrity ok" in proc.stderr, proc.stderr
    assert not Path(str(backup) + ".partial").exists()
    assert db_rows(backup, "PRAGMA integrity_check") == [("ok",)]

    before = [e for e, _, acked in load.acked if acked < backup_started]
    after = [e for e, sent, _ in load.acked if sent > backup_ended]
    assert before and after, (len(before), len(after))

    # A second backup to the same name is refused without --force, and replaces it with.
    again = cli(p, "backup", backup, check=False)
    assert again.returncode == 1 and "--force" in again.stderr, again.stderr
    # Restore refuses while the pool runs.
    refused = cli(p, "restore", backup, check=False)
    assert refused.returncode == 1 and "running" in refused.stderr, refused.stderr

    stop_pool(p)
    restored = cli(p, "restore", backup)
    assert "before-restore" in restored.stderr, restored.stderr
    assert Path(str(p.database_path) + ".before-restore").exists()
    assert not Path(str(p.database_path) + "-shm").exists()
    start_pool(p)

    emails = {row[0] for row in db_rows(p.database_path, "SELECT email FROM developers")}
    missing = [e for e in before if e not in emails]
    assert not missing, f"{len(missing)} of {len(before)} acknowledged registrations lost, e.g. {missing[:3]}"
    assert not [e for e in after if e in emails], "writes made after the backup survived the restore"
    assert len([e for e in emails if e.startswith("bulk-")]) == 20_000
    assert db_rows(p.database_path, "PRAGMA integrity_check") == [("ok",)]
    # The restored developers log in through nginx.
    for email in before[:3]:
        r = p.session.get(p.url("/api/v1/auth"), auth=(email, PASSWORD), timeout=15)
        assert r.status_code == 204, (email, r.status_code, r.text)


# --- a FastCGI client straight to a pool's socket (to hold worker threads without a sleep route) -------

import socket as _socket
import struct

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def _record(kind: int, content: bytes, request_id: int = 1) -> bytes:
    return struct.pack("!BBHHBx", 1, kind, request_id, len(content), 0) + content


def _pair(name: str, value: str) -> bytes:
    out = b""
    for part in (name.encode(), value.encode()):
        out += bytes([len(part)]) if len(part) < 128 else struct.pack("!I", len(part) | 0x80000000)
    return out + name.encode() + value.encode()


class FastCGIConnection:
    """One responder request over the unix socket: params at once, the body whenever the test says."""

    def __init__(self, path: Path, method: str, uri: str, content_length: int = 0, extra: dict | None = None):
        self.sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(str(path))
        path_only = uri.split("?", 1)[0]
        params = {"REQUEST_METHOD": method, "REQUEST_URI": uri, "DOCUMENT_URI": path_only,
                  "QUERY_STRING": uri.partition("?")[2], "CONTENT_LENGTH": str(content_length),
                  "CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_HOST": "localhost",
                  "REMOTE_ADDR": "127.0.0.1", "SERVER_PORT": "443", "HTTPS": "on", **(extra or {})}
        body = b"".join(_pair(k, v) for k, v in params.items())
        self.sock.sendall(_record(FCGI_BEGIN_REQUEST, struct.pack("!HB5x", 1, 0)) + _record(FCGI_PARAMS, body)
                          + _record(FCGI_PARAMS, b""))

    def send_body(self, data: bytes, end: bool = False):
        if data:
            self.sock.sendall(_record(FCGI_STDIN, data))
        if end:
            self.sock.sendall(_record(FCGI_STDIN, b""))

    def response(self) -> tuple[str, bytes]:
        """(CGI head, body) once the request ends; ("", b"") if the pool closed the connection first."""
        stdout, buffer = b"", b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return ("", b"") if not stdout else self._split(stdout)
            buffer += chunk
            while len(buffer) >= 8:
                _, kind, _, length, padding = struct.unpack("!BBHHB", buffer[:7])
                if len(buffer) < 8 + length + padding:
                    break
                content, buffer = buffer[8:8 + length], buffer[8 + length + padding:]
                if kind == FCGI_STDOUT:
                    stdout += content
                elif kind == FCGI_END_REQUEST:
                    return self._split(stdout)

    @staticmethod
    def _split(stdout: bytes) -> tuple[str, bytes]:
        head, _, body = stdout.partition(b"\r\n\r\n")
        return head.decode(errors="replace"), body

    def close(self):
        self.sock.close()


def status_socket(p: Portal) -> Path:
    return p.socket_path.parent / "portal-status.sock"


def pool_log_lines(p: Portal, needle: str) -> list[str]:
    return [line for line in p.pool_log.read_text(errors="replace").splitlines() if needle in line]


def wait_for(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.05)


# --- 3. request ids ---------------------------------------------------------------------------------------


def test_every_response_carries_nginx_request_id_and_the_logs_of_that_request_do_too(ops_portal):
    p = ops_portal
    r = p.session.get(p.url("/health"), timeout=10)
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers.get("X-Request-Id", "")), r.headers
    other = p.session.get(p.url("/health"), timeout=10).headers["X-Request-Id"]
    assert other != r.headers["X-Request-Id"]

    email = new_email()
    r = p.register(email)
    assert r.status_code == 200, r.text
    request_id = r.headers.get("X-Request-Id", "")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), r.headers
    lines = wait_for(lambda: pool_log_lines(p, f"request.id={request_id}"), 10, "the registration's log line")
    assert any("developer registered" in line for line in lines), lines
    # Errors too carry it (nginx passes it whatever the app answers).
    r = p.session.get(p.url("/api/v1/nothing-here"), timeout=10)
    assert r.status_code == 404 and re.fullmatch(r"[0-9a-f]{32}", r.headers.get("X-Request-Id", "")), r.headers


def test_without_nginx_the_worker_makes_a_request_id(ops_portal):
    conn = FastCGIConnection(ops_portal.socket_path, "GET", "/health")
    try:
        head, _ = conn.response()
    finally:
        conn.close()
    ids = re.findall(r"X-Request-Id: ([0-9a-f]{32})\r?$", head, re.M)
    assert ids, head


# --- 4. slow and stuck requests (a body trickled over the socket: no sleep route needed) -----------------

REGISTER_BODY = b"email=slow%40example.com&password=x&meta=%7B%7D"


def test_a_request_over_the_slowlog_limit_is_logged_with_route_duration_and_pid(ops_portal):
    p = ops_portal
    conn = FastCGIConnection(p.socket_path, "POST", "/api/v1/register?token=secret-in-query", len(REGISTER_BODY))
    try:
        conn.send_body(REGISTER_BODY[:10])
        time.sleep(1.3)  # the client is slow, not the server: the worker waits for the body
        conn.send_body(REGISTER_BODY[10:], end=True)
        head, _ = conn.response()
    finally:
        conn.close()
    assert head.startswith("Status: 400"), head
    lines = wait_for(lambda: pool_log_lines(p, "slow request"), 10, "the slow-log line")
    line = lines[-1]
    assert 'request.route="POST /api/v1/register"' in line, line
    assert "secret-in-query" not in line
    duration = float(re.search(r"request.duration_seconds=([0-9.]+)", line).group(1))
    assert 1.0 <= duration < 10, line
    pid = int(re.search(r"worker.pid=(\d+)", line).group(1))
    assert pid in [int(x) for x in re.findall(r"^pid:\s+(\d+)", status_text(p, "full"), re.M)]
    assert int(re.search(r"^slow requests:\s+(\d+)", status_text(p), re.M).group(1)) >= 1


def status_text(p: Portal, query: str = "") -> str:
    r = p.session.get(p.url("/status" + (f"?{query}" if query else "")), timeout=10)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    return r.text


@pytest.fixture(scope="module")
def stuck_portal():
    # One worker with two threads: one stuck request is easy to see, and the replacement too.
    p = make_portal("portal-e2e-stuck-", workers=1, threads_per_worker=2, request_terminate_timeout_seconds=2,
                    graceful_timeout_seconds=20)
    try:
        yield p
    finally:
        p.stop()


def test_a_worker_stuck_past_the_terminate_timeout_is_replaced_and_the_pool_carries_on(stuck_portal):
    p = stuck_portal
    before = p.session.get(p.url("/health"), timeout=10).json()["pid"]
    request_id = "0123456789abcdef0123456789abcdef"
    conn = FastCGIConnection(p.socket_path, "POST", "/api/v1/register", 1000, extra={"REQUEST_ID": request_id})
    started = time.monotonic()
    try:
        conn.send_body(b"email=")  # and never the rest
        head, _ = conn.response()  # returns when the supervisor kills the worker
    finally:
        conn.close()
    waited = time.monotonic() - started
    assert head == "", f"the stuck request got an answer: {head!r}"
    assert 2 <= waited < 15, waited
    lines = wait_for(lambda: pool_log_lines(p, "request terminated"), 10, "the termination log line")
    assert 'request.route="POST /api/v1/register"' in lines[-1] and f"worker.pid={before}" in lines[-1], lines[-1]
    # The id the worker logs the request under, so its other lines are found from this one.
    assert f"request.id={request_id}" in lines[-1], lines[-1]
    after = wait_for(lambda: p.session.get(p.url("/health"), timeout=10).json()["pid"], 10, "a worker answering")
    assert after != before
    assert p.proc.poll() is None
    assert int(re.search(r"^terminated:\s+(\d+)", status_text(p), re.M).group(1)) == 1
    for _ in range(10):
        assert p.session.get(p.url("/health"), timeout=10).status_code == 200


def csrf_form(p: Portal, path: str) -> tuple[str, str]:
    """(csrf_token of the form on page `path`, the Cookie header that goes with it)."""
    from conftest import set_cookie_headers
    page = p.session.get(p.url(path), timeout=10)
    assert page.status_code == 200, page.status_code
    cookies = "; ".join(header.split(";", 1)[0] for header in set_cookie_headers(page))
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1), cookies


def test_a_request_stuck_past_the_terminate_limit_gets_503_through_nginx_and_the_pool_carries_on(stuck_portal):
    """A write waiting on a lock the test holds is a request stuck in the worker: the supervisor kills the
    worker at request_terminate_timeout_seconds (2 s, below nginx's 30 s fastcgi_read_timeout), and nginx
    answers 503 with Retry-After in the family's format, for the API and the HTML pages alike."""
    p = stuck_portal
    terminated = int(re.search(r"^terminated:\s+(\d+)", status_text(p), re.M).group(1))
    csrf, cookies = csrf_form(p, "/register")
    def stuck(send) -> tuple[requests.Response, float]:
        """`send()` while the test holds the write lock: the request's write waits (busy_timeout 5 s > 2 s)."""
        # The replacement of a killed worker writes at start: it must be up before the lock is taken again.
        wait_for(lambda: p.session.get(p.url("/health"), timeout=10).status_code == 200, 15, "a worker answering")
        lock = sqlite3.connect(p.database_path, timeout=10, isolation_level=None)
        try:
            lock.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            reply = send()
            return reply, time.monotonic() - started
        finally:
            lock.execute("ROLLBACK")
            lock.close()

    api, api_waited = stuck(lambda: p.session.post(
        p.url("/api/v1/register"), timeout=30, data={"email": new_email(), "password": PASSWORD, "meta": '{"full_name":"Stuck"}'}))
    page, page_waited = stuck(lambda: p.session.post(
        p.url("/register"), timeout=30, allow_redirects=False, headers={"Origin": p.base_url, "Cookie": cookies},
        data={"csrf_token": csrf, "email": new_email(), "password": PASSWORD, "meta.full_name": "Stuck"}))
    assert api.status_code == 503, (api.status_code, api.text[:300])
    assert api.headers["Content-Type"] == "application/json" and api.headers.get("Retry-After") == "5", api.headers
    assert api.json() == {"message": "Service unavailable, try again shortly"}
    assert api.headers.get("Strict-Transport-Security") == "max-age=31536000"
    assert 2 <= api_waited < 15, api_waited
    assert page.status_code == 503, (page.status_code, page.text[:300])
    assert page.headers["Content-Type"].startswith("text/html") and page.headers.get("Retry-After") == "5", page.headers
    assert "<h1>Service unavailable</h1>" in page.text
    assert 2 <= page_waited < 15, page_waited
    # Both were the supervisor's doing, and the pool carries on with a new worker.
    wait_for(lambda: int(re.search(r"^terminated:\s+(\d+)", status_text(p), re.M).group(1)) == terminated + 2, 10,
             "two terminations in /status")
    lines = pool_log_lines(p, "request terminated")
    assert any('request.route="POST /register"' in line for line in lines), lines
    assert all(re.search(r"request\.id=[0-9a-f]{32}", line) for line in lines), lines
    for _ in range(5):
        assert p.session.get(p.url("/health"), timeout=10).status_code == 200
    r = p.register(new_email())
    assert r.status_code == 200, r.text
    assert p.proc.poll() is None


# --- 5. status and metrics from the supervisor, while every worker thread is held ------------------------


def hold_threads(socket_path: Path, count: int) -> list[FastCGIConnection]:
    """`count` requests that each keep a worker thread waiting for the rest of its body (close them to let go)."""
    held = []
    for _ in range(count):
        conn = FastCGIConnection(socket_path, "POST", "/api/v1/register", 1000)
        conn.send_body(b"email=")
        held.append(conn)
    return held


def test_status_and_metrics_answer_while_every_worker_thread_is_busy(ops_portal):
    p = ops_portal
    threads = p.config["workers"] * p.config["threads_per_worker"]
    held = []
    try:
        for _ in range(threads + 2):  # every thread, and two more waiting in the listen queue
            conn = FastCGIConnection(p.socket_path, "POST", "/api/v1/register", 1000)
            conn.send_body(b"email=")
            held.append(conn)

        def saturated():
            data = p.session.get(p.url("/status?json&full"), timeout=10).json()
            # The supervisor's loop counts a saturation at its next tick (every 250 ms).
            return data if data["active threads"] == threads and data["max children reached"] >= 1 else None

        data = wait_for(saturated, 15, f"{threads} busy threads in /status")
        assert data["idle threads"] == 0 and data["total threads"] == threads, data
        assert data["listen queue"] == 2, data
        assert data["max children reached"] >= 1, data
        assert len(data["processes"]) == p.config["workers"], data
        for proc in data["processes"]:
            assert proc["busy threads"] == p.config["threads_per_worker"], proc
            assert proc["rss bytes"] > 1_000_000, proc
            assert all(c.startswith("POST /api/v1/register (") for c in proc["current requests"]), proc

        # Latency of the supervisor's answers with every worker thread busy.
        timings = {"/status": [], "/status?full": [], "/metrics": []}
        for _ in range(20):
            for path in timings:
                t0 = time.monotonic()
                r = p.session.get(p.url(path), timeout=10)
                timings[path].append(time.monotonic() - t0)
                assert r.status_code == 200, (path, r.status_code)
        medians = {k: sorted(v)[len(v) // 2] * 1000 for k, v in timings.items()}
        print(f"\nstatus latency with all {threads} worker threads busy (median ms over 20, through nginx/TLS): {medians}")
        assert max(medians.values()) < 500, medians

        metrics = p.session.get(p.url("/metrics"), timeout=10)
        assert metrics.headers["Content-Type"].startswith("text/plain; version=0.0.4"), metrics.headers
        text = metrics.text
        assert f'portal_worker_threads{{state="busy"}} {threads}' in text, text
        assert 'portal_worker_threads{state="idle"} 0' in text
        assert "portal_listen_queue 2" in text
    finally:
        for conn in held:
            conn.close()

    # The pool recovers once the clients go away.
    wait_for(lambda: p.session.get(p.url("/health"), timeout=10).status_code == 200, 15, "/health after release")
    # Routes are labelled by their template, never the raw path: two portal ids, one label.
    for portal_id in ("no-such-portal-1", "no-such-portal-2"):
        assert p.session.get(p.url(f"/api/v2/portals/{portal_id}"), timeout=10).status_code == 401
    text = p.session.get(p.url("/metrics"), timeout=10).text
    samples = dict(re.findall(r"^(\S+) (\S+)$", text, re.M))
    assert samples['portal_requests_total{method="GET",route="/health",status="200"}'], text
    assert int(samples['portal_requests_total{method="GET",route="/api/v2/portals/{portalId}",status="401"}']) >= 2, text
    assert "no-such-portal" not in text
    assert int(samples['portal_request_duration_seconds_count']) >= int(samples['portal_request_duration_seconds_bucket{le="0.1"}']) > 0
    for name in ("portal_outbox_depth", "portal_outbox_oldest_age_seconds", "portal_audit_queue_depth",
                 "portal_database_size_bytes", "portal_worker_respawns_total", "portal_worker_recycled_total"):
        assert name in samples, name
    assert int(samples["portal_database_size_bytes"]) > 100_000
    # Every sample line is name{labels} value: the format a Prometheus server parses.
    for line in text.splitlines():
        assert line.startswith("#") or re.fullmatch(r'[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+|\S+ \+Inf', line), line


def test_status_text_is_php_fpm_like(ops_portal):
    text = status_text(ops_portal)
    for field in ("pool:", "process manager:", "start since:", "accepted conn:", "listen queue:", "idle threads:",
                  "active threads:", "max children reached:", "slow requests:", "respawns:", "recycled:"):
        assert re.search(rf"^{re.escape(field)}\s+\S+", text, re.M), (field, text)


def status_request(p: Portal, uri: str, remote: str, authorization: str | None = None) -> tuple[str, bytes]:
    """A request straight to the supervisor's status socket as nginx would pass it from `remote`."""
    extra = {"REMOTE_ADDR": remote, **({"HTTP_AUTHORIZATION": authorization} if authorization else {})}
    conn = FastCGIConnection(status_socket(p), "GET", uri, extra=extra)
    try:
        conn.send_body(b"", end=True)  # the status thread reads FCGI_STDIN to its end
        return conn.response()
    finally:
        conn.close()


def non_loopback_address() -> str | None:
    """An address of this host that is not loopback (connecting to it, the client is not 127.x), if any."""
    probe = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def test_status_and_metrics_answer_loopback_or_a_root_token_and_refuse_anyone_else(ops_portal):
    from conftest import portal_cli
    p = ops_portal
    root = portal_cli(p, "tokens", "create", "--root", "--name", "ops scraper").stdout.strip()
    default_portal = db_rows(p.database_path, "SELECT id FROM portals WHERE is_default = 1")[0][0]
    admin = portal_cli(p, "tokens", "create", "--portal", default_portal, "--role", "admin", "--name", "not root").stdout.strip()
    assert root and admin and root != admin

    # Loopback (IPv4, the whole 127/8, IPv6, IPv4-mapped) needs no token.
    for remote in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"):
        for uri in ("/status", "/metrics"):
            head, body = status_request(p, uri, remote)
            assert head.startswith("Status: 200"), (remote, uri, head)
    # Anyone else: 403 (text, or JSON with ?json) without a root token.
    for remote in ("203.0.113.9", "10.0.0.1", "::2", "::ffff:10.0.0.1", "", "128.0.0.1"):
        for authorization in (None, f"Bearer {admin}", "Bearer pt_not-a-token", root, f"Basic {root}"):
            head, body = status_request(p, "/metrics", remote, authorization)
            assert head.startswith("Status: 403"), (remote, authorization, head)
            assert b"portal_" not in body and b"root project token" in body, body
    head, body = status_request(p, "/status?json", "203.0.113.9")
    assert head.startswith("Status: 403") and "application/json" in head, head
    assert "root project token" in json.loads(body)["message"]
    # ... and with the root token, the same as loopback.
    for uri in ("/status?json", "/metrics"):
        head, body = status_request(p, uri, "203.0.113.9", f"Bearer {root}")
        assert head.startswith("Status: 200"), (uri, head)
    head, body = status_request(p, "/metrics", "2001:db8::5", f"bearer  {root}")
    assert head.startswith("Status: 200") and b"portal_worker_threads" in body, head

    # Through nginx from this host's own non-loopback address (REMOTE_ADDR is not 127.x): 403 unless
    # the root token comes along. nginx no longer filters; the supervisor decides.
    address = non_loopback_address()
    if address is None:
        pytest.skip("this host has no non-loopback address to connect from")
    url = f"https://{address}:{p.https_port}"
    import urllib3
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    def outside(path: str, token: str | None = None) -> requests.Response:
        headers = {"Host": "localhost", **({"Authorization": f"Bearer {token}"} if token else {})}
        return requests.get(url + path, headers=headers, timeout=10, verify=False)  # the certificate names localhost

    for path in ("/status", "/metrics"):
        r = outside(path)
        assert r.status_code == 403 and "root project token" in r.text, (path, r.status_code, r.text[:200])
        assert outside(path, admin).status_code == 403, path
        r = outside(path, root)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
    assert "worker processes:" in outside("/status", root).text
    assert 'portal_worker_threads{state="busy"}' in outside("/metrics", root).text
    # The token is never written to the access log.
    assert root not in p.nginx_access_log.read_text()


# --- 6. config check ---------------------------------------------------------------------------------------


def test_config_check_prints_each_problem_with_its_key_and_fix_and_exits_1(ops_portal, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"wokers": 2, "threads_per_worker": 0, "database_path": "/nonexistent-dir/p.sqlite",
                               "user": "nobody", "group": "nogroup"}))
    proc = subprocess.run([str(ops_portal.binary), "config", "check", "--config", str(bad)], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL, env={**os.environ, "PORTAL_LOG_LEVEL": "loud"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    for key in ("wokers:", "threads_per_worker:", "database_path:", "log_level:"):
        assert re.search(rf"^{key} .+\n  fix: .+", out, re.M), (key, out)
    assert 'rename it to "workers"' in out
    assert out.strip().endswith(f"4 problems in {bad}"), out

    good = cli(ops_portal, "config", "check")
    assert good.stdout.strip() == "ok", good.stdout
    # The pool refuses the bad file at start and points at config check.
    proc = subprocess.run([str(ops_portal.binary), "serve", "--config", str(bad)], capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "did you mean \"workers\"" in proc.stderr and "config check" in proc.stderr, proc.stderr


# --- start-up errors that name the file and the fix ------------------------------------------------------


def serve_once(binary: Path, config: Path, user: str | None = None) -> subprocess.CompletedProcess:
    """`serve` that is expected to refuse to start: its exit status and log."""
    kwargs = {}
    if user:
        import pwd
        entry = pwd.getpwnam(user)
        kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    return subprocess.run([str(binary), "serve", "--config", str(config)], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, cwd="/", **kwargs)


def test_serve_tells_an_unwritable_database_directory_from_a_damaged_or_newer_database(ops_portal):
    root = Path(tempfile.mkdtemp(prefix="portal-e2e-dbstart-"))
    _TEMP_DIRS.append(root)
    os.chmod(root, 0o755)
    (root / "run").mkdir()
    (root / "data").mkdir()
    os.chown(root / "run", 65534, 65534)  # nobody may open its sockets, but not write the database directory
    os.chmod(root / "data", 0o755)  # root's
    config = root / "portal.json"
    config.write_text(json.dumps({"socket_path": "run/portal.sock", "database_path": "data/portal.sqlite", "workers": 1}))
    os.chmod(config, 0o644)

    # 1. A permission problem: the pool's user cannot create files in the directory.
    proc = serve_once(ops_portal.binary, config, user="nobody")
    assert proc.returncode == 1, proc.stderr
    line = next(line for line in proc.stderr.splitlines() if "cannot prepare the database" in line)
    assert "permission problem" in line and f"{root}/data" in line and "nobody" in line, line
    assert f"fix=\"chown nobody {root}/data" in line, line
    assert not (root / "run" / "portal.sock").exists(), "the socket was left behind"

    # 2. Writable, but the file is not a database (a copy gone wrong).
    os.chown(root / "data", 65534, 65534)
    (root / "data" / "portal.sqlite").write_bytes(b"this is not a SQLite database, just text" * 200)
    os.chown(root / "data" / "portal.sqlite", 65534, 65534)
    proc = serve_once(ops_portal.binary, config, user="nobody")
    assert proc.returncode == 1, proc.stderr
    line = next(line for line in proc.stderr.splitlines() if "cannot prepare the database" in line)
    assert "is not a SQLite database or is damaged" in line and "permission" not in line, line
    assert "portal-fcgi restore" in line, line

    # 3. A database a newer portal-fcgi migrated: refused before anything is written to it.
    (root / "data" / "portal.sqlite").unlink()
    subprocess.run(["cp", str(ops_portal.database_path), str(root / "data" / "portal.sqlite")], check=True)
    with sqlite3.connect(root / "data" / "portal.sqlite") as conn:
        conn.execute("INSERT INTO grdb_migrations (identifier) VALUES ('2099-01-01-from-the-future')")
    for name in os.listdir(root / "data"):
        os.chown(root / "data" / name, 65534, 65534)
    proc = serve_once(ops_portal.binary, config, user="nobody")
    assert proc.returncode == 1, proc.stderr
    line = next(line for line in proc.stderr.splitlines() if "cannot prepare the database" in line)
    assert "migrated by a newer portal-fcgi" in line and "2099-01-01-from-the-future" in line, line
    assert "restore a backup made before the upgrade" in line, line


def test_a_missing_tls_certificate_is_named_with_the_fix_before_nginx_starts(tmp_path):
    from conftest import lib
    var = tmp_path / "site"
    lib("render_site", var, 8443, 8080, var / "run" / "portal.sock", "localhost",
        env={"PORTAL_CERT": str(tmp_path / "missing-cert.pem"), "PORTAL_KEY": str(tmp_path / "missing-key.pem")})
    with pytest.raises(RuntimeError) as refused:
        lib("start_nginx", var)
    message = str(refused.value)
    assert f"TLS certificate {tmp_path}/missing-cert.pem is missing" in message, message
    assert "certbot certonly" in message and "PORTAL_CERT" in message, message
    assert not (var / "nginx.pid").exists()
    # With the certificate there, the key is next.
    lib("make_cert", tmp_path / "tls")
    (tmp_path / "tls" / "cert.pem").rename(tmp_path / "missing-cert.pem")
    with pytest.raises(RuntimeError) as refused:
        lib("start_nginx", var)
    assert f"TLS key {tmp_path}/missing-key.pem is missing" in str(refused.value), str(refused.value)


# --- 7. install into a scratch root, start the pool the way systemd would ---------------------------------


def unit_settings(unit: Path) -> dict[str, str]:
    settings = {}
    for line in unit.read_text().splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def pool_account(name: str) -> tuple[int, int, str, str]:
    """(uid, gid, user, group) of the unit's account, or nobody's where it does not exist here."""
    import grp
    import pwd
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid, entry.pw_name, grp.getgrgid(entry.pw_gid).gr_name


def test_install_into_a_scratch_root_then_start_as_the_unit_says(ops_portal):
    from conftest import free_port, lib
    # Not pytest's tmp_path: the pool's account must be able to reach the tree.
    root = Path(tempfile.mkdtemp(prefix="portal-e2e-install-"))
    _TEMP_DIRS.append(root)
    os.chmod(root, 0o755)
    https_port, http_port = free_port(), free_port()
    install = [str(Path(__file__).resolve().parents[2] / "scripts" / "install"), "--root", str(root),
               "--bin", str(ops_portal.binary), "--server-name", "localhost", "--https-port", str(https_port),
               "--http-port", str(http_port), "--cert", str(ops_portal.cert), "--key", str(ops_portal.key)]
    first = subprocess.run(install, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert first.returncode == 0, first.stderr
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}
    assert {"usr/local/bin/portal-fcgi", "etc/portal/portal.json", "etc/systemd/system/portal-fcgi.service",
            "etc/logrotate.d/portal-fcgi", "etc/nginx/sites-available/portal.conf",
            "etc/nginx/sites-enabled/portal.conf"} <= files, files
    before = {f: (root / f).read_bytes() for f in files if (root / f).is_file()}
    # Idempotent: a second run changes nothing.
    second = subprocess.run(install, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert second.returncode == 0 and "nothing to change" in second.stderr, second.stderr
    assert {f: (root / f).read_bytes() for f in before} == before

    unit = unit_settings(root / "etc/systemd/system/portal-fcgi.service")
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "Restart": "on-failure",
                       "ExecReload": "/bin/kill -HUP $MAINPID", "RuntimeDirectory": "portal"}.items():
        assert unit.get(key) == value, (key, unit.get(key))
    assert "/var/lib/portal" in unit["ReadWritePaths"] and "/run/portal" in unit["ReadWritePaths"]

    # What systemd does: RuntimeDirectory/StateDirectory owned by User=, then ExecStart= as that user.
    uid, gid, user, group = pool_account(unit["User"])
    for directory in ("run/portal", "var/lib/portal", "log"):
        (root / directory).mkdir(parents=True, exist_ok=True)
        os.chown(root / directory, uid, gid)
        os.chmod(root / directory, 0o750)
    os.chmod(root / "run", 0o755)
    argv = [arg.replace("/usr/local/bin/", f"{root}/usr/local/bin/").replace("/etc/portal/", f"{root}/etc/portal/")
            for arg in unit["ExecStart"].split()]
    env = {**os.environ, "PORTAL_DATABASE_PATH": f"{root}/var/lib/portal/portal.sqlite",
           "PORTAL_SOCKET_PATH": f"{root}/run/portal/portal.sock",
           "PORTAL_STATUS_SOCKET_PATH": f"{root}/run/portal/portal-status.sock",
           "PORTAL_PID_FILE": f"{root}/run/portal/portal.pid", "PORTAL_WORKERS": "2"}
    os.chmod(root / "etc/portal/portal.json", 0o644)
    check = subprocess.run([argv[0], "config", "check", "--config", argv[-1]], env=env, capture_output=True, text=True,
                           timeout=60, user=uid, group=gid, extra_groups=[], stdin=subprocess.DEVNULL)
    assert check.returncode == 0 and check.stdout.strip() == "ok", check.stdout + check.stderr
    log = open(root / "log" / "portal.log", "ab")
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, user=uid, group=gid,
                            extra_groups=[], cwd="/")
    ngx = None
    try:
        sock = root / "run/portal/portal.sock"
        wait_for(lambda: sock.is_socket() or proc.poll() is not None, 30, "the installed pool's socket")
        assert proc.poll() is None, (root / "log" / "portal.log").read_text()
        conn = FastCGIConnection(sock, "GET", "/health")
        head, body = conn.response()
        conn.close()
        assert head.startswith("Status: 200") and json.loads(body)["status"] == "ok", (head, body)

        # The installed nginx site, with its paths under the root too, in front of the pool.
        site = (root / "etc/nginx/sites-available/portal.conf").read_text()
        site = site.replace("/run/portal/", f"{root}/run/portal/").replace("/var/log/nginx/", f"{root}/log/")
        (root / "site.conf").write_text(site)
        (root / "nginx-tmp").mkdir()
        (root / "nginx.conf").write_text(f"""
user {user} {group};
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/log/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {root}/nginx-tmp/body;
    fastcgi_temp_path {root}/nginx-tmp/fastcgi;
    proxy_temp_path {root}/nginx-tmp/proxy;
    scgi_temp_path {root}/nginx-tmp/scgi;
    uwsgi_temp_path {root}/nginx-tmp/uwsgi;
    include {root}/site.conf;
}}
""")
        lib("start_nginx", root)
        ngx = True
        s = ops_portal.new_session()
        r = s.get(f"https://localhost:{https_port}/health", timeout=10)
        assert r.status_code == 200 and r.json()["status"] == "ok", r.text
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])
        r = s.get(f"https://localhost:{https_port}/status", timeout=10)
        assert r.status_code == 200 and "worker processes:     2" in r.text, r.text

        # Every worker thread of the pool ExecStart started blocked in a slow request (and one more
        # waiting in the listen queue): the supervisor still answers /status and /metrics through nginx.
        threads = 2 * json.loads((root / "etc/portal/portal.json").read_text())["threads_per_worker"]
        held = hold_threads(sock, threads + 1)
        try:
            def saturated():
                data = s.get(f"https://localhost:{https_port}/status?json", timeout=10).json()
                return data if data["active threads"] == threads and data["listen queue"] == 1 else None

            data = wait_for(saturated, 15, f"{threads} busy threads in the installed pool's /status")
            assert data["idle threads"] == 0 and data["worker processes"] == 2, data
            metrics = s.get(f"https://localhost:{https_port}/metrics", timeout=10)
            assert metrics.status_code == 200, metrics.status_code
            assert f'portal_worker_threads{{state="busy"}} {threads}' in metrics.text, metrics.text
            assert 'portal_worker_threads{state="idle"} 0' in metrics.text
            # A page needs a worker: it waits (nginx would answer 503 once the supervisor gave up on it).
            with pytest.raises(requests.Timeout):
                s.get(f"https://localhost:{https_port}/health", timeout=1)
        finally:
            for conn in held:
                conn.close()
        wait_for(lambda: s.get(f"https://localhost:{https_port}/health", timeout=10).status_code == 200, 15,
                 "the installed pool answering again")
        assert requests.get(f"http://localhost:{http_port}/x", allow_redirects=False, timeout=10).status_code == 301

        # ExecReload, as systemctl reload runs it.
        reload = unit["ExecReload"].replace("$MAINPID", str(proc.pid)).split()
        subprocess.run(reload, check=True, timeout=10)
        wait_for(lambda: "pool reloaded" in (root / "log" / "portal.log").read_text(), 30, "the rolling restart")
        assert s.get(f"https://localhost:{https_port}/health", timeout=10).status_code == 200
    finally:
        if ngx:
            lib("stop_nginx", root)
        proc.send_signal(signal.SIGTERM)  # systemctl stop: KillSignal=SIGTERM to the main process
        rc = proc.wait(timeout=45)
        log.close()
    assert rc == 0, (root / "log" / "portal.log").read_text()[-2000:]
    assert not (root / "run/portal/portal.sock").exists()


def test_logrotate_rotates_the_log_file_systemd_creates_as_root(ops_portal, tmp_path):
    """StandardError=append: makes systemd (root) create the log file before the pool starts as portal: the
    installed rotation must work on that root-owned file, while the pool keeps appending to its descriptor."""
    import shutil
    if not shutil.which("logrotate"):
        pytest.skip("logrotate is not installed")
    root = tmp_path / "root"
    install = [str(Path(__file__).resolve().parents[2] / "scripts" / "install"), "--root", str(root),
               "--bin", str(ops_portal.binary), "--server-name", "localhost", "--cert", str(ops_portal.cert),
               "--key", str(ops_portal.key)]
    proc = subprocess.run(install, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    unit = unit_settings(root / "etc/systemd/system/portal-fcgi.service")
    assert "LogsDirectory" not in unit, "LogsDirectory= would hand /var/log/portal to the pool's user"
    assert "/var/log/portal" not in unit["ReadWritePaths"], unit["ReadWritePaths"]
    log_dir = root / "var/log/portal"
    assert log_dir.is_dir() and (log_dir.stat().st_mode & 0o777) == 0o750 and log_dir.stat().st_uid == 0
    rotation = (root / "etc/logrotate.d/portal-fcgi").read_text()
    assert "copytruncate" in rotation and not re.search(r"^\s*su\s", rotation, re.M), rotation

    # What systemd does for append:, as root with the unit's UMask=0007: a root-owned 0660 file, held open.
    log = log_dir / "portal.log"
    old_umask = os.umask(0o007)
    try:
        writer = open(log, "a", buffering=1)
    finally:
        os.umask(old_umask)
    try:
        writer.write("before rotation\n")
        assert log.stat().st_uid == 0 and (log.stat().st_mode & 0o077) == 0o060
        conf = tmp_path / "logrotate.conf"
        conf.write_text(rotation.replace("/var/log/portal/", f"{log_dir}/"))
        rotated = subprocess.run(["logrotate", "-f", "-s", str(tmp_path / "state"), str(conf)], capture_output=True,
                                 text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert rotated.returncode == 0, rotated.stdout + rotated.stderr
        assert (log_dir / "portal.log.1").read_text() == "before rotation\n"
        assert log.stat().st_size == 0
        # The pool's descriptor (O_APPEND) writes on at the start of the truncated file.
        writer.write("after rotation\n")
        assert log.read_text() == "after rotation\n"
    finally:
        writer.close()

    # The old rotation (as the pool's user) fails on exactly this file: the reason for the change.
    old = tmp_path / "old.conf"
    old.write_text(conf.read_text().replace("    copytruncate\n", "    copytruncate\n    su nobody nogroup\n"))
    failed = subprocess.run(["logrotate", "-f", "-s", str(tmp_path / "state-old"), str(old)], capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert failed.returncode != 0 and "Permission denied" in failed.stderr, failed.stderr
    assert log.read_text() == "after rotation\n"


# --- an upgrade: new binary + SIGHUP migrates an old database under load ---------------------------------

# The last migration of the release before the theme files: the pool starts on that schema (`serve
# --hold-schema-at`, the old release's database), and every later migration arrives with the "new" binary.
OLD_RELEASE_SCHEMA = "2026-12-03-management-part-2"


class DeveloperReadLoad(LoadThreads):
    """Threads reading /api/v1/developer with one session through nginx, recording each answer's status."""

    def __init__(self, p: Portal, cookie: str, threads: int = 2):
        self.p, self.cookie = p, cookie
        self.statuses: list[int | str] = []
        super().__init__(threads)

    def _run(self):
        s = self.p.new_session()
        while not self.stop.is_set():
            try:
                status = s.get(self.p.url("/api/v1/developer"), headers=self.p.as_developer(self.cookie), timeout=30).status_code
            except requests.RequestException as e:
                status = repr(e)
            with self.lock:
                self.statuses.append(status)


def worker_pids(p: Portal) -> set[int]:
    """The supervisor's live children (the workers), from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == p.proc.pid:
                found.add(int(entry.name))
    return found


def test_a_new_binary_and_sighup_migrate_an_old_database_and_roll_the_workers_under_load():
    root = Path(tempfile.mkdtemp(prefix="portal-e2e-upgrade-"))
    _TEMP_DIRS.append(root)
    (root / "bin").mkdir()
    installed = root / "bin" / "portal-fcgi"
    subprocess.run(["cp", str(find_binary()), str(installed)], check=True)
    p = Portal(root, installed)
    p.serve_args = ["--hold-schema-at", OLD_RELEASE_SCHEMA]
    p.portal_domains = {}  # `portals add` is the new binary's CLI, which migrates
    p.start()
    try:
        status = cli(p, "migrate", "--status").stdout
        assert f"applied  {OLD_RELEASE_SCHEMA}" in status and "pending  " in status, status
        pending = [line.split()[1] for line in status.splitlines() if line.startswith("pending  ")]
        assert db_rows(p.database_path, "SELECT COUNT(*) FROM pragma_table_info('portal_files') WHERE name = 'binary'") == [(0,)]

        # What the old release's users left behind: developers, one of them with a session in use.
        email, password, developer, cookie = p.new_developer()
        old_workers = worker_pids(p)
        assert len(old_workers) == 2, old_workers

        with RegisterLoad(p, threads=2) as writes, DeveloperReadLoad(p, cookie) as reads:
            wait_for(lambda: len(writes.acked) >= 5 and len(reads.statuses) >= 20, 30, "load before the upgrade")
            # The upgrade as an operator does it: the new binary replaces the file (a new inode, as `install`
            # writes it), then `systemctl reload` sends SIGHUP.
            staged = root / "bin" / "portal-fcgi.new"
            subprocess.run(["cp", str(find_binary()), str(staged)], check=True)
            os.replace(staged, installed)
            os.kill(p.proc.pid, signal.SIGHUP)
            wait_for(lambda: "pool reloaded" in p.pool_log.read_text(), 60, "the reload to finish")
            acked_at_reload = len(writes.acked)
            reads_at_reload = len(reads.statuses)
            wait_for(lambda: len(writes.acked) >= acked_at_reload + 5 and len(reads.statuses) >= reads_at_reload + 20,
                     30, "load after the upgrade")
        assert not writes.failures, writes.failures[:5]
        failed_reads = [s for s in reads.statuses if s != 200]
        assert not failed_reads, f"{len(failed_reads)} of {len(reads.statuses)} reads failed: {failed_reads[:5]}"

        # Migrated: nothing pending, the new column and the re-seeded theme are there.
        status = cli(p, "migrate", "--status").stdout
        assert "pending  " not in status and all(f"applied  {m}" in status for m in pending), status
        assert db_rows(p.database_path, "SELECT COUNT(*) FROM pragma_table_info('portal_files') WHERE name = 'binary'") == [(1,)]
        assert db_rows(p.database_path, "PRAGMA integrity_check") == [("ok",)]
        # Rolled: only new workers, running the new file (not the replaced one the old workers still map).
        new_workers = worker_pids(p)
        assert len(new_workers) == 2 and not (new_workers & old_workers), (old_workers, new_workers)
        for pid in new_workers:
            assert os.readlink(f"/proc/{pid}/exe") == str(installed), os.readlink(f"/proc/{pid}/exe")
        assert p.proc.poll() is None

        # The data of the old release is all there and works with the new workers.
        emails = {row[0] for row in db_rows(p.database_path, "SELECT email FROM developers")}
        missing = [e for e, _, _ in writes.acked if e not in emails]
        assert not missing, f"{len(missing)} acknowledged registrations lost: {missing[:3]}"
        r = p.session.get(p.url("/api/v1/developer"), headers=p.as_developer(cookie), timeout=15)
        assert r.status_code == 200 and r.json()["email"] == email, r.text
        assert p.session.get(p.url("/api/v1/auth"), auth=(email, password), timeout=15).status_code == 204
        home = p.session.get(p.url("/"), timeout=15)
        assert home.status_code == 200 and "text/html" in home.headers["Content-Type"], home.status_code
    finally:
        p.stop()
