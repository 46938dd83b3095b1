"""`scripts/run`, the README's first command, as a new user runs it (with the binary under test instead
of a fresh release build, and without apt-get): the banner, the root token made on the first start of a
fresh var/ and kept in var/root-token (0600), its curl line, the sample API in the catalog, and a second
start that says where the token is without printing it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, find_binary, free_port

ROOT_TOKEN_LINE = re.compile(r"^Root token: (pt_[A-Za-z0-9_-]{43})$", re.M)
BANNER_END = "Rolling restart of the workers"


class Run:
    """One `scripts/run` in the foreground, its output collected until the banner is complete."""

    def __init__(self, var: Path, env: dict):
        self.var, self.env = var, env
        self.proc = subprocess.Popen([str(ROOT / "scripts" / "run")], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.output = ""
        deadline = time.monotonic() + 180
        while BANNER_END not in self.output:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"scripts/run ended before its banner:\n{self.output}")
            self.output += line
            assert time.monotonic() < deadline, f"no banner within 180 s:\n{self.output}"

    def stop(self):
        subprocess.run([str(ROOT / "scripts" / "run"), "stop"], env=self.env, check=True, timeout=90,
                       stdin=subprocess.DEVNULL, capture_output=True)
        try:
            self.output += self.proc.communicate(timeout=60)[0]
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise
        assert self.proc.returncode == 0, self.output


@pytest.fixture
def fresh_var():
    base = Path(tempfile.mkdtemp(prefix="portal-run-", dir="/tmp"))
    base.chmod(0o755)  # the pool's own user must reach var/ below it
    yield base / "var"
    shutil.rmtree(base, ignore_errors=True)


def test_first_start_prints_the_root_token_once_and_publishes_a_sample_api(fresh_var):
    https_port, http_port, smtp_port = free_port(), free_port(), free_port()
    env = {**os.environ, "PORTAL_VAR": str(fresh_var), "PORTAL_PORT": str(https_port),
           "PORTAL_HTTP_PORT": str(http_port), "PORTAL_SMTP_PORT": str(smtp_port), "PORTAL_SKIP_INSTALL": "1",
           "PORTAL_BIN": str(find_binary()), "PORTAL_WORKERS": "1"}
    url, ca = f"https://localhost:{https_port}", str(fresh_var / "tls" / "cert.pem")

    run = Run(fresh_var, env)
    try:
        [secret] = ROOT_TOKEN_LINE.findall(run.output)
        token_file = fresh_var / "root-token"
        assert token_file.read_text().strip() == secret
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        # The banner's curl line lists the default portal's tokens with it.
        [curl] = [line.strip() for line in run.output.splitlines() if "/api/projects/" in line and "curl" in line]
        portal_id = re.search(r"/api/projects/([0-9a-f-]{36})/tokens", curl).group(1)
        r = requests.get(f"{url}/api/projects/{portal_id}/tokens", verify=ca, timeout=15,
                         headers={"Authorization": f"Bearer {token_file.read_text().strip()}"})
        # (the root token belongs to no portal: a fresh default portal has no tokens of its own yet)
        assert r.status_code == 200 and r.json() == [], r.text
        r = requests.get(f"{url}/api/projects/{portal_id}/tokens", verify=ca, timeout=15,
                         headers={"Authorization": "Bearer pt_" + "A" * 43})
        assert r.status_code == 401, r.text
        # A fresh portal shows a sample API in its catalog (to developers: the portal is not public),
        # with its reference rendered.
        web = requests.Session()
        email = "dev@example.com"
        assert web.post(f"{url}/api/v1/register", verify=ca, timeout=15, data={
            "email": email, "password": "correct horse battery", "meta": '{"full_name": "Dev"}'}).status_code == 200
        assert web.get(f"{url}/api/v1/auth", auth=(email, "correct horse battery"), verify=ca, timeout=15).status_code == 204
        catalog = web.get(f"{url}/catalog", verify=ca, timeout=15)
        assert catalog.status_code == 200 and "Payments API" in catalog.text, run.output
        link = re.search(r'href="(/catalog/[^"]+)"', catalog.text).group(1)
        page = web.get(url + link, verify=ca, timeout=15)
        assert page.status_code == 200 and "Take a payment" in page.text and "/payments/{id}/refunds" in page.text
    finally:
        run.stop()

    # A later start says where the token is and never prints a secret; the sample is not added twice.
    again = Run(fresh_var, env)
    try:
        assert f"Root token: in {fresh_var / 'root-token'}" in again.output
        assert "pt_" not in again.output
        assert token_file.read_text().strip() == secret
        web.get(f"{url}/api/v1/auth", auth=(email, "correct horse battery"), verify=ca, timeout=15)
        assert web.get(f"{url}/catalog", verify=ca, timeout=15).text.count("Payments API <span") == 1
    finally:
        again.stop()
