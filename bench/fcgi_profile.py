#!/usr/bin/env python3
"""Instructions per request in one FastCGI worker, counted by callgrind (scripts/bench --profile).

One portal-fcgi worker (`portal-fcgi worker`, the way the supervisor starts it: the listening socket as
fd 0) runs under `valgrind --tool=callgrind` on a socket this script binds; the C libfcgi hello
(bench/hello.c in-process, 1 thread) the same way as the baseline. Requests go straight over FastCGI,
one connection each (nginx's `fastcgi_keep_conn off`), with the parameters nginx's site sends. Per case:
WARMUP requests, `callgrind_control -z` (zero the counters), N requests, `callgrind_control -d` (dump,
one file per thread). Two figures per request: the accept thread that served them (the busiest thread;
with one accept thread it served them all) / N, and the whole process minus what it executes idle in the
same time (timers, background threads; measured the same way without requests) / N. The first is the
steadier one: the second carries the noise of the idle estimate.

valgrind 3.19 cannot read the DWARF 5 of Swift 6 binaries: give it a copy made with
`objcopy --strip-debug` (scripts/bench does).

usage: fcgi_profile.py --portal BIN --config JSON --hello BIN --dir DIR --cookie VALUE [-n 200] [--warmup 50]
prints one line per case: NAME<TAB>REQUEST_THREAD<TAB>WHOLE_PROCESS_MINUS_IDLE<TAB>STATUS (instructions per request)
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

BEGIN, PARAMS, STDIN, STDOUT, END = 1, 4, 5, 6, 3


def record(kind: int, content: bytes) -> bytes:
    out = b""
    while True:
        chunk, content = content[:65535], content[65535:]
        pad = (8 - len(chunk) % 8) % 8
        out += struct.pack(">BBHHBB", 1, kind, 1, len(chunk), pad, 0) + chunk + b"\0" * pad
        if not content:
            return out


def pair(name: str, value: str) -> bytes:
    def length(n: int) -> bytes:
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    n, v = name.encode(), value.encode()
    return length(len(n)) + length(len(v)) + n + v


def params(path: str, headers: dict[str, str]) -> dict[str, str]:
    """What nginx/portal.conf sends for `GET path` from wrk (Host plus the given headers)."""
    uri, _, query = path.partition("?")
    p = {"QUERY_STRING": query, "REQUEST_METHOD": "GET", "CONTENT_TYPE": "", "CONTENT_LENGTH": "",
         "SCRIPT_NAME": "", "REQUEST_URI": path, "DOCUMENT_URI": uri, "SERVER_PROTOCOL": "HTTP/1.1",
         "REQUEST_SCHEME": "https", "HTTPS": "on", "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "nginx",
         "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50000", "SERVER_ADDR": "127.0.0.1", "SERVER_PORT": "443",
         "SERVER_NAME": "localhost", "HTTP_HOST": "localhost", "HTTP_PROXY": "",
         "REQUEST_ID": "0123456789abcdef0123456789abcdef"}
    for name, value in headers.items():
        p["HTTP_" + name.upper().replace("-", "_")] = value
    return p


def fcgi_get(sock_path: str, path: str, headers: dict[str, str]) -> str:
    """One request on a new connection; returns the status line value (e.g. '200 OK')."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(120)
    s.connect(sock_path)
    body = b"".join(pair(k, v) for k, v in params(path, headers).items())
    s.sendall(record(BEGIN, struct.pack(">HB5x", 1, 0)) + record(PARAMS, body) + record(PARAMS, b"")
              + record(STDIN, b""))
    out, buf = b"", b""
    while True:
        data = s.recv(65536)
        if not data:
            break
        buf += data
        while len(buf) >= 8:
            _, kind, _, clen, pad, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + clen + pad:
                break
            if kind == STDOUT:
                out += buf[8:8 + clen]
            buf = buf[8 + clen + pad:]
            if kind == END:
                s.close()
                return status_of(out)
    s.close()
    return status_of(out)


def status_of(out: bytes) -> str:
    head = out.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    m = re.search(r"^Status: *(.*)$", head, re.M)
    return m.group(1).strip() if m else ("200 OK" if head else "no reply")


class Profiled:
    """A process under callgrind (--separate-threads=yes) whose counters are zeroed and dumped with
    callgrind_control; a dump writes one file per thread."""

    def __init__(self, pid: int, out_prefix: str):
        self.pid, self.out_prefix = pid, out_prefix

    def control(self, flag: str):
        # callgrind_control exits 0 even when it finds no such run; it says so on stdout.
        done = subprocess.run(["callgrind_control", flag, str(self.pid)], capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or "Error" in done.stdout + done.stderr:
            raise SystemExit(f"callgrind_control {flag} {self.pid}: {(done.stdout + done.stderr).strip()}")

    def dump(self) -> list[int]:
        """Dumps and returns the instructions of each thread since the last zeroing."""
        before = set(glob.glob(self.out_prefix + "*"))
        self.control("-d")
        for _ in range(100):  # the files may still be being written
            new = sorted(set(glob.glob(self.out_prefix + "*")) - before)
            totals = []
            for path in new:
                m = re.search(r"^(?:summary|totals): *(\d+)", open(path, errors="replace").read(), re.M)
                if m:
                    totals.append(int(m.group(1)))
            if new and len(totals) == len(new):
                return totals
            time.sleep(0.2)
        raise SystemExit(f"callgrind_control -d {self.pid} wrote no complete dump")

    def measure(self, run, n: int, warmup: int, idle_rate: float) -> tuple[float, float]:
        """Per request: the busiest thread's instructions (the accept thread that served the requests; the
        others sleep or run timers), and the whole process's minus what it executes idle in the same time."""
        for _ in range(warmup):
            run()
        self.control("-z")
        start = time.monotonic()
        for _ in range(n):
            run()
        elapsed = time.monotonic() - start
        totals = self.dump()
        return max(totals) / n, max(0.0, sum(totals) - idle_rate * elapsed) / n

    def idle_rate(self, seconds: float = 3.0) -> float:
        """Instructions per second of the whole process without requests (timers, background threads)."""
        self.control("-z")
        start = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - start
        return sum(self.dump()) / elapsed


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError as error:
            last = error
        time.sleep(0.5)
    raise SystemExit(f"{what} did not answer within {timeout:.0f}s ({last})")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--portal", required=True, help="portal-fcgi without debug info (objcopy --strip-debug)")
    ap.add_argument("--config", required=True, help="the worker's config (workers 1)")
    ap.add_argument("--hello", required=True, help="bench/hello.c compiled")
    ap.add_argument("--dir", required=True, help="scratch directory (writable by the pool's account)")
    ap.add_argument("--cookie", required=True, help="a live portal_session value")
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=50)
    args = ap.parse_args()

    results: list[tuple[str, float, str]] = []
    procs: list[subprocess.Popen] = []
    try:
        # --- the portal worker -------------------------------------------------------------------------
        sock_path = os.path.join(args.dir, "profile.sock")
        if os.path.exists(sock_path):
            os.unlink(sock_path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(sock_path)
        os.chmod(sock_path, 0o666)
        listener.listen(128)
        out = os.path.join(args.dir, "callgrind.portal.out")
        worker = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-instr=no",
             "--separate-threads=yes", args.portal, "worker", "--config", args.config],
            stdin=listener.fileno(), stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(args.dir, "valgrind-portal.log"), "wb"))
        procs.append(worker)
        listener.close()
        wait_until(lambda: worker.poll() is None and fcgi_get(sock_path, "/health", {}).startswith("200"),
                   300, "the worker under valgrind")
        portal = Profiled(worker.pid, out)
        idle = portal.idle_rate()
        cookie = {"Cookie": f"portal_session={args.cookie}"}
        cases = [
            ("GET /api/v1/developer (session)", "/api/v1/developer", cookie, "200"),
            ("GET /api/v1/nope (router miss)", "/api/v1/nope", {}, "404"),
            ("GET /health", "/health", {}, "200"),
            ("GET /api/v1/applications (50 apps)", "/api/v1/applications", cookie, "200"),
            ("GET /dashboard (HTML, 50 apps)", "/dashboard", cookie, "200"),
        ]
        for name, path, headers, want in cases:
            got = fcgi_get(sock_path, path, headers)
            if not got.startswith(want):
                raise SystemExit(f"{path} answered {got!r}, expected {want}")
            thread, process = portal.measure(lambda: fcgi_get(sock_path, path, headers), args.n, args.warmup, idle)
            results.append((name, thread, process, got))
        results.append(("(idle worker, per second)", 0, idle, "-"))

        # --- the C hello, in-process (PROCS 0: callgrind_control cannot reach a forked child), 1 thread
        hello_sock = os.path.join(args.dir, "hello-profile.sock")
        hello_out = os.path.join(args.dir, "callgrind.hello.out")
        hello_proc = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={hello_out}", "--dump-instr=no",
             "--separate-threads=yes", args.hello, hello_sock, "0", "1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(args.dir, "valgrind-hello.log"), "wb"))
        procs.append(hello_proc)
        wait_until(lambda: os.path.exists(hello_sock) and fcgi_get(hello_sock, "/health", {}).startswith("200"),
                   120, "the C hello under valgrind")
        hello = Profiled(hello_proc.pid, hello_out)
        hello_idle = hello.idle_rate(2.0)
        thread, process = hello.measure(lambda: fcgi_get(hello_sock, "/health", {}), args.n, args.warmup, hello_idle)
        results.append(("C libfcgi hello (bench/hello.c)", thread, process, "200 OK"))
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    for name, thread, process, status in results:
        print(f"{name}\t{thread:.0f}\t{process:.0f}\t{status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
