"""A bounded schemathesis pass over the developer API (issue 6).

Requests are generated from the original Kong Dev Portal spec (a copy is kept in
specs/, since CI has no ../shared) and sent through nginx over HTTPS with a
logged-in developer's session cookie. The only check is "no server error (5xx)":
our API may differ from the spec otherwise (docs/decisions.md). A summary of the
status codes per operation is printed.

schemathesis runs as its CLI (`python3 -m schemathesis.cli run`, pinned in
scripts/lib.sh) in deterministic mode, so a run is repeatable. The spec has no
`servers`; its paths are mounted at /api/v1. The developer owns applications,
a registration and credentials made beforehand, and the paths' ids are theirs most
of the time (else every such request would be a 404). Deletions run after the
rest, logout and account deletion last.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

SPEC = Path(__file__).resolve().parent / "specs" / "kong-dev-portal-api.openapi.json"
MAX_EXAMPLES = 25
# Logging out and deleting the account: they run last, since they end the session.
SESSION_ENDERS = ("delete-session", "delete-developer")


def seed_objects(portal, cookie) -> dict[str, str]:
    """The developer's objects whose ids the generated paths use: two applications (one for
    DELETE /applications/{id}, so that it does not take the other's registration and
    credential with it), an application instance, an application credential, a JWT credential."""
    headers = portal.as_developer(cookie)
    api = portal.url("/api/v1")

    def post(path, data=None, status=(201,)):
        r = portal.session.post(api + path, data=data, headers=headers, timeout=15)
        assert r.status_code in status, f"POST {path}: {r.status_code} {r.text}"
        return r.json()["id"]

    apps = [post("/applications", {"name": f"Fuzzed {i}", "redirect_uri": "https://example.com"}) for i in (1, 2)]
    proc = subprocess.run(
        [str(portal.binary), "catalog", "add-version", "--config", str(portal.config_path),
         "--product", f"Fuzz {uuid.uuid4().hex[:8]}", "--version", "v1", "--registration"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {
        "application": apps[0],
        "doomed_application": apps[1],
        "instance": post(f"/applications/{apps[0]}/application_instances", {"service.id": proc.stdout.strip()}),
        "credential": post(f"/applications/{apps[0]}/credentials"),
        "jwt": post("/credentials/jwt", {"key": f"fuzz-{uuid.uuid4().hex}", "secret": "fuzzing secret",
                                         "algorithm": "HS256"}, status=(200, 201)),
    }


def write_config(path: Path, ids: dict[str, str]):
    """schemathesis.toml: the path parameters of the operations on those objects are their ids
    80 % of the time (else every such request would be a 404), generated values otherwise."""
    lines = []
    for name, value in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = [{json.dumps(value)}]", ""]

    def operations(selector: str, **params: str):
        bindings = ", ".join(f'"path.{param}" = {{ dictionary = "{name}", probability = 0.8 }}'
                             for param, name in params.items())
        lines.extend(["[[operations]]", selector, f"parameters = {{ {bindings} }}", ""])

    operations(r'include-path-regex = "^/applications/\\{id\\}/"', id="application", instance="instance",
               credential="credential")
    operations('include-operation-id = ["get-application", "update-application"]', id="application")
    operations('include-operation-id = "delete-application"', id="doomed_application")
    operations('include-path-regex = "^/credentials/jwt/"', id="jwt")
    path.write_text("\n".join(lines))


def operation_patterns(spec: dict) -> list[tuple[re.Pattern, str]]:
    """(regex for the request path, spec path) for every path of the spec, literal ones first."""
    patterns = []
    for template in spec["paths"]:
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        patterns.append((re.compile(f"^/api/v1{regex}$"), template))
    patterns.sort(key=lambda p: "{" in p[1])
    return patterns


def operation_label(spec: dict, patterns, method: str, url: str) -> str:
    """"METHOD /spec/path", or one label for all methods the spec does not define on a path
    (schemathesis probes those and expects 405)."""
    path = urlsplit(url).path
    for regex, template in patterns:
        if regex.match(path):
            if method.lower() in spec["paths"][template]:
                return f"{method} {template}"
            return "(methods not in the spec)"
    return f"{method} {path} (no operation)"


# Three runs, so that deletions cannot starve the rest: everything but DELETE, then the
# deletions, then logging out and deleting the account (which end the session).
RUNS = [
    ("main", ["--exclude-method", "DELETE"]),
    ("deletions", ["--include-method", "DELETE"] + [a for op in SESSION_ENDERS for a in ("--exclude-operation-id", op)]),
    ("session-enders", [a for op in SESSION_ENDERS for a in ("--include-operation-id", op)]),
]


def run_schemathesis(portal, out: Path, name: str, cookie: str, config: Path, filters: list[str]):
    """One `schemathesis run`; returns (exit status, HAR entries, output)."""
    har = out / f"{name}.har"
    cmd = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", str(SPEC),
        "--url", portal.url("/api/v1"),
        "--header", f"Cookie: portal_session={cookie}",
        "--tls-verify", str(portal.cert),
        "--checks", "not_a_server_error",
        "--max-examples", str(MAX_EXAMPLES),
        "--generation-deterministic",  # repeatable; writes no example database either
        "--workers", "2",
        "--request-timeout", "20",
        "--report", "har,junit",
        "--report-dir", str(out),
        "--report-har-path", str(har),
        "--report-junit-path", str(out / f"{name}.junit.xml"),
        "--no-color",
        *filters,
    ]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "REQUESTS_CA_BUNDLE"}
    env["NO_PROXY"] = "*"
    proc = subprocess.run(cmd, cwd=out, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=600)
    output = proc.stdout + proc.stderr
    (out / f"{name}.log").write_text(output)
    entries = json.loads(har.read_text())["log"]["entries"] if har.is_file() else []
    return proc.returncode, entries, output


def test_the_spec_copy_is_the_shared_original():
    shared = Path(__file__).resolve().parents[3] / "shared" / "specs" / SPEC.name
    if not shared.is_file():
        pytest.skip("no ../shared/specs here (CI): the copy is what the tests use")
    assert SPEC.read_bytes() == shared.read_bytes()


def test_developer_api_has_no_server_errors(portal, capsys):
    if os.environ.get("CI"):
        # scripts/test installs it: in CI a missing schemathesis is a broken setup, not a reason to skip.
        import schemathesis  # noqa: F401
    pytest.importorskip("schemathesis", reason="schemathesis is not installed (scripts/lib.sh installs it)")
    _, _, _, cookie = portal.new_developer()
    out = portal.root / "schemathesis"  # kept with the logs when something failed
    out.mkdir(exist_ok=True)
    config = out / "schemathesis.toml"
    write_config(config, seed_objects(portal, cookie))

    spec = json.loads(SPEC.read_text())
    patterns = operation_patterns(spec)
    statuses: dict[str, Counter] = defaultdict(Counter)
    server_errors, failed_runs, requests = [], [], 0
    for name, filters in RUNS:
        code, entries, output = run_schemathesis(portal, out, name, cookie, config, filters)
        requests += len(entries)
        if code != 0 or not entries:
            tail = "\n".join(output.splitlines()[-60:])
            failed_runs.append(f"--- run {name}: exit status {code}, {len(entries)} requests:\n{tail}")
        for entry in entries:
            request, response = entry["request"], entry["response"]
            label = operation_label(spec, patterns, request["method"], request["url"])
            statuses[label][response["status"]] += 1
            if response["status"] >= 500:
                server_errors.append((label, request, response))

    summary = [f"schemathesis: {requests} requests in {len(RUNS)} runs (logs and reports: {out})"]
    for label in sorted(statuses, key=lambda s: (s.startswith("("), s.split(" ", 1)[-1], s)):
        counts = ", ".join(f"{code}×{n}" for code, n in sorted(statuses[label].items()))
        summary.append(f"  {label:<56} {counts}")
    with capsys.disabled():
        print("\n" + "\n".join(summary))

    details = []
    for label, request, response in server_errors[:5]:
        body = (request.get("postData") or {}).get("text", "")
        details.append(f"{label}: {request['method']} {request['url']} body={body[:300]!r} -> "
                       f"{response['status']} {response.get('content', {}).get('text', '')[:300]!r}")
    assert not server_errors, f"{len(server_errors)} server errors:\n" + "\n".join(details + failed_runs)
    assert not failed_runs, "\n".join(failed_runs)
