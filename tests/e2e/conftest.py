"""End-to-end fixtures: a real nginx (TLS) in front of a real portal-fcgi pool.

The session fixture `portal` makes a temp dir, writes a config, makes a
self-signed certificate, renders nginx's config from nginx/portal.conf and
nginx/nginx.conf.in through scripts/lib.sh (the same code scripts/run uses),
starts `$PORTAL_BIN serve` and nginx on free ports, waits for /health and
yields a `Portal`. Teardown stops nginx and the pool (SIGTERM, then SIGKILL),
also when tests fail; on failure the tails of the logs are printed at the end
and the temp dir is kept.

PORTAL_BIN names the binary (scripts/test passes the release build); without
it .build/release/portal-fcgi or .build/debug/portal-fcgi is used.
"""

from __future__ import annotations

import email
import email.message
import http.client
import http.cookiejar
import json
import os
import pwd
import shutil
import signal
import threading
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "scripts" / "lib.sh"

# (label, path) of logs whose tails are printed when something failed.
_LOGS: list[tuple[str, Path]] = []
_TEMP_DIRS: list[Path] = []

# Fast hashing for tests: the parameters come from the config like in production.
TEST_CONFIG = {
    "socket_path": "run/portal.sock",
    "socket_mode": "0660",
    "database_path": "portal.sqlite",
    "pid_file": "run/portal.pid",
    "workers": 2,
    "threads_per_worker": 4,
    "max_requests": 10000,
    "graceful_timeout_seconds": 10,
    "max_body_bytes": 1048576,
    "log_level": "info",
    # The cheapest of OWASP's argon2id minimums (the pool refuses weaker ones): ~20 ms a hash.
    "argon2": {"memory_kib": 7168, "iterations": 5, "parallelism": 1},
    "session": {"idle_timeout_seconds": 7200, "absolute_timeout_seconds": 604800},
    # Not the product default ("Developer Portal"): a page that shows that name instead of the portal's is caught.
    "default_portal": {"name": "Acme Developer Hub", "domain": "localhost"},
    # verify-domain reads CNAMEs from this file (relative to the config), which tests write as they go.
    "dns": {"stub_file": "dns-stub.json"},
    # Audit-log webhook retries back off to at most this (production default 300 s), so a test that
    # takes its receiver down sees the next attempt within seconds of bringing it back.
    "audit_delivery": {"max_backoff_seconds": 2},
}


def lib(func: str, *args, env: dict | None = None, timeout: float = 60) -> str:
    """Run one function of scripts/lib.sh; raise with its output if it fails."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        ["bash", "-c", 'source "$0" && "$@"', str(LIB), func, *map(str, args)],
        env=full_env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"scripts/lib.sh {func} {' '.join(map(str, args))} failed ({proc.returncode}):\n"
            f"{proc.stdout}{proc.stderr}"
        )
    return proc.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError as e:
        return f"({path}: {e})"
    return "\n".join(text[-lines:])


def find_binary() -> Path:
    env = os.environ.get("PORTAL_BIN")
    if env:
        p = Path(env)
        if not (p.is_file() and os.access(p, os.X_OK)):
            pytest.fail(f"PORTAL_BIN={env} is not an executable file", pytrace=False)
        return p
    for cand in (ROOT / ".build/release/portal-fcgi", ROOT / ".build/debug/portal-fcgi"):
        if cand.is_file() and os.access(cand, os.X_OK):
            return cand
    pytest.fail("no portal-fcgi binary: set PORTAL_BIN or build it (scripts/test does)", pytrace=False)


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Cookie policy that stores and sends nothing: tests pass cookies explicitly."""

    def set_ok(self, cookie, request):
        return False

    def return_ok(self, cookie, request):
        return False


def new_email() -> str:
    return f"dev-{uuid.uuid4().hex[:16]}@example.com"


@dataclass
class RawResponse:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Nginx:
    """One nginx instance rendered from the project's templates."""

    var: Path
    https_port: int
    http_port: int
    error_log: Path = field(init=False)
    access_log: Path = field(init=False)

    def __post_init__(self):
        self.error_log = self.var / "log" / "nginx-error.log"
        self.access_log = self.var / "log" / "nginx-access.log"

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://localhost:{self.http_port}"

    def stop(self):
        lib("stop_nginx", self.var)


def start_nginx(var: Path, socket_path: Path, cert: Path, key: Path, rate: str, burst: int,
                write_rate: str | None = None, write_burst: int | None = None,
                https_port: int | None = None) -> Nginx:
    """Render the site for `socket_path` into `var` and start nginx on free ports. The
    write limit (every /api write) is `write_rate`/`write_burst`, by default `rate`/`burst`."""
    var.mkdir(parents=True, exist_ok=True)
    env = {
        "PORTAL_CERT": str(cert),
        "PORTAL_KEY": str(key),
        "PORTAL_AUTH_RATE": rate,
        "PORTAL_AUTH_BURST": str(burst),
        "PORTAL_WRITE_RATE": write_rate or rate,
        "PORTAL_WRITE_BURST": str(burst if write_burst is None else write_burst),
        "PORTAL_NGINX_WORKERS": "1",
    }
    last_error = None
    fixed_https_port = https_port
    for _ in range(3):  # a free port can be taken between the check and nginx's bind
        https_port, http_port = fixed_https_port or free_port(), free_port()
        if https_port == http_port:
            continue
        lib("render_site", var, https_port, http_port, socket_path, "localhost", env=env)
        try:
            lib("start_nginx", var)
        except RuntimeError as e:
            last_error = e
            continue
        ngx = Nginx(var, https_port, http_port)
        _LOGS.append((f"nginx error log ({var.name})", ngx.error_log))
        return ngx
    pytest.fail(f"nginx did not start:\n{last_error}", pytrace=False)


class Portal:
    """A running nginx + pool pair, with helpers to talk to it over HTTPS."""

    def __init__(self, root: Path, binary: Path):
        self.root = root
        self.binary = binary
        self.config_path = root / "portal.json"
        self.config = json.loads(json.dumps(TEST_CONFIG))
        self.socket_path = root / self.config["socket_path"]
        self.pid_file = root / self.config["pid_file"]
        self.database_path = root / self.config["database_path"]
        self.pool_log = root / "log" / "portal.log"
        self.cert = root / "tls" / "cert.pem"
        self.key = root / "tls" / "key.pem"
        self.proc: subprocess.Popen | None = None
        self.smtp: subprocess.Popen | None = None
        self.mail_dir = root / "mail"
        self.failing_recipient = "undeliverable@example.com"
        # The SMTP sink takes 2 s to accept a recipient at this domain.
        self.slow_mail_domain = "slow.example"
        self.nginx: Nginx | None = None
        # Extra portals, chosen by the Host header: {name: domain}.
        self.portal_domains = {"verify": "verify.localhost", "pending": "pending.localhost"}
        self.session = self.new_session()
        # Extra arguments of `serve` (an upgrade rehearsal holds the schema back).
        self.serve_args: list[str] = []

    # --- lifecycle -------------------------------------------------------

    def start(self):
        (self.root / "run").mkdir(parents=True, exist_ok=True)
        (self.root / "log").mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # Like a real install: the pool switches to an unprivileged account (it refuses to run as
            # root otherwise) that owns the run directory; nginx's workers (www-data, see render_site)
            # reach the socket through its group.
            self.config.update({"user": "nobody", "group": "nogroup", "socket_group": "www-data"})
            nobody = pwd.getpwnam("nobody")
            os.chmod(self.root, 0o755)
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
        # Mail links are built from the configured public origin, never from the request's Host:
        # the port nginx will listen on is chosen now and written into the config.
        self.public_port = free_port()
        self.config["public_port"] = self.public_port
        self.config_path.write_text(json.dumps(self.config, indent=2))
        lib("make_cert", self.root / "tls")
        _LOGS.append(("portal pool log", self.pool_log))

        # A real SMTP server on loopback receives the portal's mail.
        # Never the port nginx will take: a released port can be handed out again at once.
        smtp_port = free_port()
        while smtp_port == self.public_port:
            smtp_port = free_port()
        self.smtp = subprocess.Popen(
            ["python3", str(ROOT / "scripts" / "smtp-sink.py"), "--dir", str(self.mail_dir),
             "--port", str(smtp_port), "--fail-recipient", self.failing_recipient,
             "--slow-domain", self.slow_mail_domain, "--slow-seconds", "2"],
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", smtp_port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self._fail_start("the SMTP sink did not start")
                time.sleep(0.05)
        self.config["smtp"] = {"host": "127.0.0.1", "port": smtp_port, "from": "portal@example.com"}
        self.config_path.write_text(json.dumps(self.config, indent=2))

        log = open(self.pool_log, "ab")
        self.proc = subprocess.Popen(
            [str(self.binary), "serve", "--config", str(self.config_path), *self.serve_args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd=self.root,
        )
        log.close()
        deadline = time.monotonic() + 60
        while not self.socket_path.is_socket():
            if self.proc.poll() is not None:
                self._fail_start(f"the pool exited with status {self.proc.returncode} before creating its socket")
            if time.monotonic() > deadline:
                self._fail_start(f"the pool created no socket at {self.socket_path} within 60 s")
            time.sleep(0.05)

        self.nginx = start_nginx(self.root, self.socket_path, self.cert, self.key, rate="1000r/s", burst=1000,
                                 https_port=self.public_port)

        # Portals with other sign-up rules, made with the CLI an operator would use.
        flags = {"verify": ["--email-verification"], "pending": ["--no-auto-approve"]}
        for name, domain in self.portal_domains.items():
            subprocess.run(
                [str(self.binary), "portals", "add", "--config", str(self.config_path),
                 "--name", f"{name.title()} Portal", "--domain", domain, *flags[name]],
                check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
            )

        deadline = time.monotonic() + 20
        last = None
        while True:
            try:
                r = self.session.get(self.url("/health"), timeout=5)
                if r.status_code == 200:
                    break
                last = f"{r.status_code} {r.text[:300]!r}"
            except requests.RequestException as e:
                last = repr(e)
            if self.proc.poll() is not None:
                self._fail_start(f"the pool exited with status {self.proc.returncode}")
            if time.monotonic() > deadline:
                self._fail_start(f"/health did not answer 200 within 20 s (last: {last})")
            time.sleep(0.1)

    def _fail_start(self, why: str):
        msg = [f"e2e setup failed: {why}", f"--- pool log {self.pool_log}:", tail(self.pool_log, 40)]
        if self.nginx:
            msg += [f"--- nginx error log {self.nginx.error_log}:", tail(self.nginx.error_log, 20)]
        self.stop()
        pytest.fail("\n".join(msg), pytrace=False)

    def stop(self) -> int | None:
        """Stop nginx, then the pool (SIGTERM, 20 s, SIGKILL); return the pool's exit status."""
        if self.nginx is not None:
            try:
                self.nginx.stop()
            except RuntimeError as e:
                print(e)
        rc = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    rc = self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
                    rc = "SIGKILL after 20 s"
            else:
                rc = self.proc.returncode
        if self.smtp is not None and self.smtp.poll() is None:
            self.smtp.terminate()
            self.smtp.wait(timeout=10)
        return rc

    # --- mail ------------------------------------------------------------

    def mails(self, to: str) -> list[email.message.Message]:
        """Messages the SMTP server received for `to`, oldest first."""
        found = []
        for path in sorted(self.mail_dir.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes())
            if message.get("X-Envelope-To", "").lower() == to.lower():
                found.append(message)
        return found

    def wait_for_mail(self, to: str, count: int = 1, timeout: float = 15) -> list[email.message.Message]:
        """Waits until `to` has at least `count` messages; returns them all."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.mails(to)
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"expected {count} mail(s) to {to}, got {len(found)}"
                return found
            time.sleep(0.1)

    def host_headers(self, name: str) -> dict:
        """Headers that select the extra portal `name` ("verify" or "pending")."""
        return {"Host": self.portal_domains[name]}

    # --- HTTP helpers ----------------------------------------------------

    @property
    def https_port(self) -> int:
        return self.nginx.https_port

    @property
    def base_url(self) -> str:
        return self.nginx.base_url

    @property
    def http_url(self) -> str:
        return self.nginx.http_url

    @property
    def nginx_error_log(self) -> Path:
        return self.nginx.error_log

    @property
    def nginx_access_log(self) -> Path:
        return self.nginx.access_log

    def url(self, path: str) -> str:
        return self.base_url + path

    def new_session(self) -> requests.Session:
        """A requests.Session trusting the test certificate and keeping no cookies."""
        s = requests.Session()
        # Ignore the environment: REQUESTS_CA_BUNDLE would override `verify`, and a
        # proxy setting must not catch loopback requests.
        s.trust_env = False
        s.verify = str(self.cert)
        s.cookies.set_policy(_NoCookies())
        return s

    def supervisor_pid(self) -> int:
        return self.proc.pid

    def raw(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
            port: int | None = None, timeout: float = 15) -> RawResponse:
        """One request with http.client, which sends the path and body bytes exactly as given
        (requests/urllib3 would re-encode a malformed percent-escape)."""
        ctx = ssl.create_default_context(cafile=str(self.cert))
        conn = http.client.HTTPSConnection("localhost", port or self.https_port, context=ctx, timeout=timeout)
        try:
            has_host = any(k.lower() == "host" for k in (headers or {}))
            conn.putrequest(method, path, skip_host=has_host, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return RawResponse(resp.status, resp.headers, resp.read())
        finally:
            conn.close()

    # --- the developer API (seed 000) ------------------------------------

    def register(self, email: str | None = None, password: str = "correct horse battery",
                 meta: str = '{"full_name":"User"}', session: requests.Session | None = None, headers: dict | None = None):
        data = {"email": email or new_email(), "password": password, "meta": meta}
        return (session or self.session).post(self.url("/api/v1/register"), data=data, headers=headers, timeout=15)

    def login(self, email: str, password: str = "correct horse battery") -> str:
        """Log in with HTTP Basic; return the portal_session cookie value."""
        r = self.session.get(self.url("/api/v1/auth"), auth=(email, password), timeout=15)
        assert r.status_code == 204, f"login: {r.status_code} {r.text!r}"
        return session_cookie(r)

    def new_developer(self, password: str = "correct horse battery", full_name: str = "User"):
        """Register and log in a fresh developer: (email, password, developer dict, cookie)."""
        email = new_email()
        r = self.register(email, password, json.dumps({"full_name": full_name}))
        assert r.status_code == 200, f"register: {r.status_code} {r.text!r}"
        return email, password, r.json()["developer"], self.login(email, password)

    def as_developer(self, cookie: str) -> dict:
        return {"Cookie": f"portal_session={cookie}"}


def set_cookie_headers(resp: requests.Response) -> list[str]:
    """Every Set-Cookie header of a response, unmerged."""
    return resp.raw.headers.getlist("Set-Cookie")


def session_cookie(resp: requests.Response) -> str:
    for header in set_cookie_headers(resp):
        name, _, rest = header.partition("=")
        if name.strip() == "portal_session":
            return rest.split(";", 1)[0].strip()
    raise AssertionError(f"no portal_session cookie in {set_cookie_headers(resp)!r}")


class HostDeveloper:
    """A developer of the portal served on `host` (a Host header), registered — and logged in unless `login`
    is false or the portal holds new developers for approval — through the developer API. The test files add
    what they need to it."""

    password = "correct horse battery"

    def __init__(self, portal: Portal, host: dict, login: bool = True, email: str | None = None,
                 full_name: str = "Developer", session: requests.Session | None = None):
        self.portal, self.host = portal, host
        self.email = email or new_email()
        self.full_name = full_name
        self.http = session or portal.session
        r = self.sign_up()
        assert r.status_code == 200, f"register on {host}: {r.status_code} {r.text[:300]!r}"
        self.developer = r.json()["developer"]
        self.id = self.developer["id"]
        self.cookie = None
        if login:
            r = self.login()
            assert r.status_code == 204, f"login: {r.status_code} {r.text[:300]!r}"
            self.cookie = session_cookie(r)

    def sign_up(self, email: str | None = None) -> requests.Response:
        return self.portal.register(email or self.email, self.password, json.dumps({"full_name": self.full_name}),
                                    session=self.http, headers=self.host)

    def login(self) -> requests.Response:
        return self.http.get(self.portal.url("/api/v1/auth"), auth=(self.email, self.password), headers=self.host,
                             timeout=15)

    def req(self, method: str, path: str, data=None) -> requests.Response:
        """`method` on the developer API's `path` with the session cookie."""
        return self.http.request(method, self.portal.url("/api/v1" + path), data=data, timeout=15, headers={
            **self.host, "Cookie": f"portal_session={self.cookie}"})

    def create_app(self, name: str = "App", redirect_uri: str = "https://app.example/callback") -> dict:
        r = self.req("POST", "/applications", data={"name": name, "redirect_uri": redirect_uri})
        assert r.status_code == 201, r.text
        return r.json()

    def register_app(self, app_id: str, version_id: str) -> dict:
        """An application instance (registration) of the application to the version."""
        r = self.req("POST", f"/applications/{app_id}/application_instances", data={"service.id": version_id})
        assert r.status_code == 201, r.text
        return r.json()

    def instance(self, app_id: str, instance_id: str) -> requests.Response:
        return self.req("GET", f"/applications/{app_id}/application_instances/{instance_id}")


def json_body(resp) -> object:
    """The JSON body of a requests.Response or RawResponse, checking Content-Type."""
    if isinstance(resp, RawResponse):
        ctype = resp.headers.get("Content-Type", "")
        body = resp.body
    else:
        ctype = resp.headers.get("Content-Type", "")
        body = resp.content
    assert ctype.startswith("application/json"), f"Content-Type {ctype!r}, body {body[:300]!r}"
    return json.loads(body)


def assert_message(resp, status: int):
    """A 000-family error: the status and a JSON body {"message": non-empty string}."""
    code = resp.status_code if isinstance(resp, requests.Response) else resp.status
    body = resp.content if isinstance(resp, requests.Response) else resp.body
    assert code == status, f"expected {status}, got {code}: {body[:300]!r}"
    data = json_body(resp)
    assert isinstance(data, dict) and isinstance(data.get("message"), str) and data["message"], data
    return data


# --- fixtures -------------------------------------------------------------


@pytest.fixture(scope="session")
def portal(request):
    binary = find_binary()
    root = Path(tempfile.mkdtemp(prefix="portal-e2e-"))
    p = Portal(root, binary)
    _TEMP_DIRS.append(root)  # removed at the end unless something failed
    try:
        p.start()
        yield p
    finally:
        rc = p.stop()
    assert rc == 0, f"the pool exited with {rc} on SIGTERM (expected 0); log: {p.pool_log}"


@pytest.fixture(scope="session")
def extra_nginx(portal):
    """Factory for more nginx instances in front of the same pool (or another socket),
    e.g. with a strict rate limit; all are stopped at the end of the session."""
    started: list[Nginx] = []

    def make(name: str, rate: str = "1000r/s", burst: int = 1000, socket_path: Path | None = None,
             write_rate: str | None = None, write_burst: int | None = None) -> Nginx:
        ngx = start_nginx(portal.root / name, socket_path or portal.socket_path, portal.cert, portal.key,
                          rate=rate, burst=burst, write_rate=write_rate, write_burst=write_burst)
        started.append(ngx)
        return ngx

    yield make
    for ngx in started:
        try:
            ngx.stop()
        except RuntimeError as e:
            print(e)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """On failure print the tails of the logs and keep the temp dirs; else remove them."""
    stats = terminalreporter.stats
    if not (stats.get("failed") or stats.get("error")):
        for d in _TEMP_DIRS:
            shutil.rmtree(d, ignore_errors=True)
        return
    terminalreporter.section("tails of the portal's and nginx's logs")
    for label, path in _LOGS:
        terminalreporter.write_line(f"--- {label}: {path}")
        terminalreporter.write_line(tail(path, 60))
    for d in _TEMP_DIRS:
        terminalreporter.write_line(f"(kept {d} for inspection)")


# --- project tokens (seed 003) --------------------------------------------------------------------

# The name of the session's root token (made with the CLI by the `root_token` fixture).
ROOT_TOKEN_NAME = "e2e root token"


def portal_cli(portal: Portal, *args, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `portal-fcgi ARGS --config portal.json` the way an operator would (stdin /dev/null, text
    output). With `check`, a non-zero exit fails the test with the command's output."""
    cmd = [str(portal.binary), *map(str, args), "--config", str(portal.config_path)]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return proc


def portal_ids(portal: Portal) -> dict[str, str]:
    """Portal ids from `portals list`: {"default": id, "verify": id, "pending": id}, the last two
    being the portals served on portal.portal_domains[...]."""
    out = portal_cli(portal, "portals", "list").stdout
    by_domain, default = {}, None
    for line in out.splitlines():
        if not line.strip():
            continue
        cols = line.split("\t")
        assert len(cols) >= 3, f"portals list line {line!r}"
        by_domain[cols[1]] = cols[0]
        if len(cols) > 3 and cols[3] == "(default)":
            default = cols[0]
    assert default is not None, f"no (default) portal in:\n{out}"
    ids = {"default": default}
    for name, domain in portal.portal_domains.items():
        assert domain in by_domain, f"no portal on {domain} in:\n{out}"
        ids[name] = by_domain[domain]
    return ids


@pytest.fixture(scope="session")
def project_ids(portal) -> dict[str, str]:
    """{"default": id, "verify": id, "pending": id} (see portal_ids)."""
    return portal_ids(portal)


def cli_tokens(portal: Portal) -> list[list[str]]:
    """`tokens list` as rows [id, project id or "root", role, name]."""
    out = portal_cli(portal, "tokens", "list").stdout
    rows = [line.split("\t") for line in out.splitlines() if line.strip()]
    for row in rows:
        assert len(row) == 4, f"tokens list line {row!r} is not id, project, role, name (tab-separated)"
    return rows


@pytest.fixture(scope="session")
def root_token(portal) -> str:
    """The secret of a root token (no project) made with `tokens create --root`, named ROOT_TOKEN_NAME."""
    out = portal_cli(portal, "tokens", "create", "--root", "--name", ROOT_TOKEN_NAME).stdout
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"tokens create --root printed {out!r}, expected the secret alone"
    return lines[0].strip()


@pytest.fixture(scope="session")
def root_token_id(portal, root_token) -> str:
    """The id of the `root_token` fixture's token, from `tokens list`."""
    rows = [r for r in cli_tokens(portal) if r[1] == "root" and r[3] == ROOT_TOKEN_NAME]
    assert len(rows) == 1, f"expected one root token named {ROOT_TOKEN_NAME!r} in tokens list, got {rows!r}"
    return rows[0][0]


def admin(portal: Portal, method: str, path: str, token: str | None, json=None, params=None,
          auth_style: str = "bearer", data: bytes | str | None = None,
          headers: dict | None = None) -> requests.Response:
    """One request to an admin API with a token secret, given as `Authorization: Bearer <secret>`
    (auth_style "bearer"), the bare `Authorization: <secret>` ("bare") or `?token=<secret>` ("query").
    token None sends no credential. `data` sends raw body bytes as application/json."""
    hdrs = dict(headers or {})
    query = dict(params or {})
    if token is not None:
        if auth_style == "bearer":
            hdrs["Authorization"] = f"Bearer {token}"
        elif auth_style == "bare":
            hdrs["Authorization"] = token
        elif auth_style == "query":
            query["token"] = token
        else:
            raise ValueError(f"unknown auth_style {auth_style!r}")
    if data is not None and not any(k.lower() == "content-type" for k in hdrs):
        hdrs["Content-Type"] = "application/json"
    return portal.session.request(method, portal.url(path), json=json, params=query or None, data=data,
                                  headers=hdrs, timeout=15)


# --- catalog and portals from the command line (seed 002 tests) --------------------------------------


def catalog_add_version(portal: Portal, product: str | None = None, version: str = "v1", registration: bool = True,
                        auto_approve: bool = False, auth: str | None = None, domain: str | None = None) -> str:
    """`portal-fcgi catalog add-version`: a published version of `product` (a unique name by default) on
    the portal served on `domain` (default: the default portal), with `--auth key-auth|basic-auth|oauth2`
    when given; returns the version's id (its stdout)."""
    args = ["catalog", "add-version", "--product", product or f"Product {uuid.uuid4().hex[:8]}", "--version", version]
    if registration:
        args.append("--registration")
    if auto_approve:
        args.append("--auto-approve")
    if auth:
        args += ["--auth", auth]
    if domain:
        args += ["--portal-domain", domain]
    lines = portal_cli(portal, *args).stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"catalog add-version printed {lines!r}, expected the id alone"
    return lines[0].strip()


def add_portal(portal: Portal, domain: str, name: str | None = None, auto_approve: bool = True) -> str:
    """`portal-fcgi portals add`: a portal served on `domain` (Host header); returns its id."""
    args = ["portals", "add", "--name", name or f"Portal {domain}", "--domain", domain]
    if not auto_approve:
        args.append("--no-auto-approve")
    lines = portal_cli(portal, *args).stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"portals add printed {lines!r}, expected the id alone"
    return lines[0].strip()


class LoadThreads:
    """Threads that each run `_run` (a loop until `stop` is set) for the length of a `with` block: a load
    running through a test. Subclasses write `_run` and record outcomes under `lock`."""

    def __init__(self, threads: int, join_timeout: float = 60):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.join_timeout = join_timeout
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        raise NotImplementedError

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=self.join_timeout)
