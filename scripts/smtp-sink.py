#!/usr/bin/env python3
"""A small SMTP server for development and tests: accepts every message (RFC 5321 subset:
EHLO/HELO, AUTH PLAIN/LOGIN accepted, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and writes each one
to DIR as <n>.eml, so scripts/run users can read the portal's emails and the end-to-end tests
can assert on them. Listens on loopback only.

usage: smtp-sink.py --dir DIR --port PORT [--fail-recipient ADDRESS ...] [--slow-domain DOMAIN ...]
A --fail-recipient address gets `550 mailbox unavailable` at RCPT (to test delivery errors); an
address at a --slow-domain waits --slow-seconds (2) before its RCPT is accepted (to show that a
request does not wait for SMTP).
"""

import argparse
import itertools
import os
import socketserver
import threading
import time

counter = itertools.count(1)
lock = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line: str):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 localhost portal smtp-sink ready")
        sender, recipients = None, []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            arg = line[len(verb):].strip()
            if verb in ("EHLO", "HELO"):
                if verb == "EHLO":
                    self.reply("250-localhost")
                    self.reply("250-AUTH PLAIN LOGIN")
                    self.reply("250 8BITMIME")
                else:
                    self.reply("250 localhost")
            elif verb == "AUTH":
                self.reply("235 2.7.0 accepted")
            elif verb == "MAIL":
                sender, recipients = arg.partition(":")[2].strip().strip("<>"), []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                address = arg.partition(":")[2].strip().strip("<>")
                if address.lower().rpartition("@")[2] in self.server.slow_domains:
                    time.sleep(self.server.slow_seconds)
                if address.lower() in self.server.fail_recipients:
                    self.reply("550 5.1.1 mailbox unavailable")
                else:
                    recipients.append(address)
                    self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                if not recipients:
                    self.reply("503 5.5.1 no recipients")
                    continue
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    data = self.rfile.readline(1 << 20)
                    if not data or data in (b".\r\n", b".\n"):
                        break
                    if data.startswith(b".."):
                        data = data[1:]
                    lines.append(data)
                with lock:
                    n = next(counter)
                path = os.path.join(self.server.directory, f"{n:06d}.eml")
                with open(path + ".tmp", "wb") as f:
                    f.write(f"X-Envelope-From: {sender}\r\nX-Envelope-To: {', '.join(recipients)}\r\n".encode())
                    f.writelines(lines)
                os.rename(path + ".tmp", path)
                self.reply("250 2.0.0 queued as %d" % n)
            elif verb == "RSET":
                sender, recipients = None, []
                self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 command not implemented")


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fail-recipient", action="append", default=[])
    parser.add_argument("--slow-domain", action="append", default=[])
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    with Server(("127.0.0.1", args.port), Handler) as server:
        server.directory = args.dir
        server.fail_recipients = {a.lower() for a in args.fail_recipient}
        server.slow_domains = {d.lower() for d in args.slow_domain}
        server.slow_seconds = args.slow_seconds
        server.serve_forever()


if __name__ == "__main__":
    main()
