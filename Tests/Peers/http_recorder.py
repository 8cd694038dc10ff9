#!/usr/bin/env python3
"""Loopback HTTP(S) server that records every request and answers from a script.

Control endpoints (not recorded, not counted as in flight):
  POST /_recorder/responses  JSON list of {"status", "headers", "body" | "body_base64",
                             "delay_ms", "close"}; consumed in order by the next requests,
                             then the default answer 200 "ok". "headers" is an object or a
                             list of [name, value] pairs. "close": true closes the connection
                             after answering.
  GET  /_recorder/requests   JSON list of the recorded requests: method, path (with query),
                             headers ([name, value] pairs in order), body_base64, body_utf8
                             (null if not UTF-8), client_port, connection (1, 2, … per TCP
                             connection accepted), sequence.
  GET  /_recorder/stats      {"max_in_flight", "in_flight", "connections", "requests"}
  POST /_recorder/failures   {"ratio": 0.3, "seed": 42, "status": 500}: once the script is
                             used up, answer that fraction of requests with that status,
                             drawn from a random generator seeded with "seed" (ratio 0: off).
  POST /_recorder/reset      forget requests, script, failures and stats.
Each recorded request also carries "status" (the status it was answered with) and "time"
(seconds since the epoch when it arrived).

Usage: http_recorder.py [--tls]. Ready line: {"endpoint":"http://127.0.0.1:PORT"} (https and
"cafile" with --tls). Exits on SIGTERM or stdin EOF.
"""

import argparse
import base64
import json
import random
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler

import peerlib

CONTROL_PREFIX = "/_recorder/"


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = []
            self.script = []
            self.in_flight = 0
            self.max_in_flight = 0
            self.connections = 0 if not hasattr(self, "connections") else self.connections
            self.sequence = 0
            self.failure_ratio = 0.0
            self.failure_status = 500
            self.failure_random = random.Random(0)

    def next_connection(self):
        with self.lock:
            self.connections += 1
            return self.connections


recorder = Recorder()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse can be observed
    server_version = "mnemond-http-recorder"

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        self.connection_id = recorder.next_connection()

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass  # stderr stays for real problems

    def __getattr__(self, name):
        # Every method (GET, POST, PUT, DELETE, HEAD, PATCH, anything) goes to one handler.
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        body = self.read_body()
        if self.path.startswith(CONTROL_PREFIX):
            return self.control(body)
        with recorder.lock:
            recorder.sequence += 1
            recorder.in_flight += 1
            recorder.max_in_flight = max(recorder.max_in_flight, recorder.in_flight)
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            answer = recorder.script.pop(0) if recorder.script else {}
            if not answer and recorder.failure_ratio > 0 and recorder.failure_random.random() < recorder.failure_ratio:
                answer = {"status": recorder.failure_status, "body": "injected_failure"}
            recorder.requests.append(
                {
                    "sequence": recorder.sequence,
                    "method": self.command,
                    "path": self.path,
                    "headers": [[k, v] for k, v in self.headers.items()],
                    "body_base64": base64.b64encode(body).decode("ascii"),
                    "body_utf8": text,
                    "client_port": self.client_address[1],
                    "connection": self.connection_id,
                    "status": int(answer.get("status", 200)),
                    "time": time.time(),
                }
            )
        try:
            delay = answer.get("delay_ms", 0) / 1000.0
            if delay:
                time.sleep(delay)
            self.answer(answer)
        finally:
            with recorder.lock:
                recorder.in_flight -= 1

    def answer(self, answer):
        status = int(answer.get("status", 200))
        if "body_base64" in answer:
            payload = base64.b64decode(answer["body_base64"])
        else:
            payload = str(answer.get("body", "ok")).encode("utf-8")
        headers = answer.get("headers", {})
        pairs = list(headers.items()) if isinstance(headers, dict) else [tuple(p) for p in headers]
        names = {name.lower() for name, _ in pairs}
        self.send_response(status)
        for name, value in pairs:
            self.send_header(name, value)
        if "content-type" not in names:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
        bodyless = status in (204, 304) or 100 <= status < 200
        if not bodyless:
            self.send_header("Content-Length", str(len(payload)))
        if answer.get("close"):
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and not bodyless:
            self.wfile.write(payload)

    def control(self, body):
        route = (self.command, self.path.split("?")[0])
        if route == ("POST", CONTROL_PREFIX + "responses"):
            script = json.loads(body or b"[]")
            with recorder.lock:
                recorder.script.extend(script)
            return self.json({"queued": len(script)})
        if route == ("POST", CONTROL_PREFIX + "failures"):
            settings = json.loads(body or b"{}")
            with recorder.lock:
                recorder.failure_ratio = float(settings.get("ratio", 0))
                recorder.failure_status = int(settings.get("status", 500))
                recorder.failure_random = random.Random(int(settings.get("seed", 0)))
            return self.json({"ratio": recorder.failure_ratio})
        if route == ("GET", CONTROL_PREFIX + "requests"):
            with recorder.lock:
                return self.json(list(recorder.requests))
        if route == ("GET", CONTROL_PREFIX + "stats"):
            with recorder.lock:
                return self.json(
                    {
                        "max_in_flight": recorder.max_in_flight,
                        "in_flight": recorder.in_flight,
                        "connections": recorder.connections,
                        "requests": len(recorder.requests),
                    }
                )
        if route == ("POST", CONTROL_PREFIX + "reset"):
            recorder.reset()
            return self.json({"reset": True})
        return self.json({"error": f"no control route {route}"}, status=404)

    def json(self, value, status=200):
        peerlib.reply_json(self, value, status)


class Server(peerlib.Server):
    tls_context = None
    quiet_errors = (ssl.SSLError, ConnectionError, socket.timeout)

    def get_request(self):
        sock, address = super().get_request()
        if self.tls_context is not None:
            # Handshake in the connection's thread (first read), not in the accept loop: a
            # client that rejects the certificate must not stall other clients.
            sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address



def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a fresh self-signed certificate")
    args = parser.parse_args()

    stop = peerlib.stop_event()
    server = Server(("127.0.0.1", 0), Handler)
    ready = {}
    tls_directory = None
    try:
        if args.tls:
            certfile, keyfile, tls_directory = peerlib.self_signed_certificate()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
            server.tls_context = context
            ready["cafile"] = certfile
        port = server.server_address[1]
        ready["endpoint"] = f"{'https' if args.tls else 'http'}://127.0.0.1:{port}"
        peerlib.serve(server, ready, stop)
    finally:
        peerlib.remove_directory(tls_directory)

if __name__ == "__main__":
    main()
