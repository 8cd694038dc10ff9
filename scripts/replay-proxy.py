#!/usr/bin/env python3
"""Record one mnemond cycle's AWS answers, then replay them with a fixed latency, so a cycle's
own cost can be measured without the simulator's (scripts/bench --replay).

    scripts/replay-proxy.py record --upstream http://127.0.0.1:PORT --recording FILE [--port 0]
    scripts/replay-proxy.py replay --recording FILE [--latency-ms 20] [--port 0]

mnemond reaches the proxy as its AWS endpoint (AWS_ENDPOINT_URL=http://127.0.0.1:PORT). In
`record` every request is forwarded to the upstream (the simulator) and its answer appended to
FILE (JSON lines); in `replay` each request is answered from FILE after sleeping the latency,
on a thread of its own, so concurrent calls overlap as they would against AWS. A request with
no recorded answer is a miss: HTTP 400 with code ReplayMiss, counted in the stats.

Requests are matched on what identifies them: the signing scope's service and region, the
method, the path, the query and body parameters (form, JSON or raw bytes) and X-Amz-Target.
Left out of the match: the signature and everything else that changes between runs — the
X-Amz-* headers and query parameters, and parameters named for a time or whose value is a
timestamp (GetMetricData StartTime/EndTime, AWS Backup createdAfter/ByCreatedAfter, ...). When
a request was recorded more than once, the last answer is replayed (a warm store's cycle).

When ready it prints one JSON line on stdout: {"endpoint": "http://127.0.0.1:PORT", ...}. It
stops on SIGTERM/SIGINT and, when stdin is a pipe, when that reaches EOF.
Control (not forwarded): GET /_proxy/stats answers the counts since start or the last
POST /_proxy/reset: calls, by service, by action, GetMetricData calls and metric queries per
region, misses (and the first missed keys).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import http.server
import json
import os
import re
import signal
import socket
import stat
import sys
import threading
import time
import urllib.parse
from typing import Any

# Parameters that name a time window, in any protocol (compared case-insensitively, on the last
# dotted component of a flattened query-protocol name).
VOLATILE = {
    "starttime",
    "endtime",
    "createdafter",
    "createdbefore",
    "bycreatedafter",
    "bycreatedbefore",
    "bycompleteafter",
    "bycompletebefore",
    "bycreationafter",
    "bycreationbefore",
    "startdate",
    "enddate",
    "fromtime",
    "totime",
}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server", "proxy-connection"}
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


def _volatile(name: str, value: Any) -> bool:
    last = name.rsplit(".", 1)[-1].lower()
    if last.startswith("x-amz-") or last in VOLATILE:
        return True
    return isinstance(value, str) and bool(TIMESTAMP.match(value))


def _params(text: str) -> list[list[str]]:
    pairs = urllib.parse.parse_qsl(text, keep_blank_values=True)
    return sorted([name, value] for name, value in pairs if not _volatile(name, value))


def _json_stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_stable(v) for k, v in sorted(value.items()) if not _volatile(k, v)}
    if isinstance(value, list):
        return [_json_stable(v) for v in value]
    return value


def request_key(method: str, target: str, headers: http.client.HTTPMessage, body: bytes) -> tuple[str, dict[str, Any]]:
    """(the match key, what the stats need) of one request."""
    path, _, query = target.partition("?")
    scope = SCOPE.search(headers.get("Authorization", "")) or SCOPE.search(urllib.parse.unquote(query))
    region, service = (scope.group(1), scope.group(2)) if scope else ("?", headers.get("Host", "?"))
    amz_target = headers.get("X-Amz-Target", "")
    content_type = headers.get("Content-Type", "")
    form: list[list[str]] | None = None
    if body and ("x-www-form-urlencoded" in content_type or body.startswith(b"Action=")):
        form = _params(body.decode("utf-8", "replace"))
        shaped: Any = form
    elif body and "json" in content_type:
        try:
            shaped = _json_stable(json.loads(body))
        except ValueError:
            shaped = base64.b64encode(body).decode()
    elif body:
        shaped = base64.b64encode(body).decode()
    else:
        shaped = None
    key = json.dumps(
        [service, region, method, path, _params(query), amz_target, shaped], separators=(",", ":"), sort_keys=True
    )
    if form is not None:
        action = next((v for k, v in form if k == "Action"), "?")
    elif amz_target:
        action = amz_target.rsplit(".", 1)[-1]
    else:
        subresource = next((k for k, _ in urllib.parse.parse_qsl(query, keep_blank_values=True)), "")
        action = f"{method} {subresource or path}" if service == "s3" else f"{method} {path}"
    info = {"service": service, "region": region, "action": action}
    if action == "GetMetricData" and form is not None:
        info["metric_queries"] = sum(1 for k, _ in form if re.fullmatch(r"MetricDataQueries\.member\.\d+\.Id", k))
    return key, info


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.calls = 0
        self.by_service: dict[str, int] = {}
        self.by_action: dict[str, int] = {}
        self.get_metric_data: dict[str, int] = {}
        self.metric_queries: dict[str, int] = {}
        self.misses = 0
        self.missed: list[str] = []

    def count(self, info: dict[str, Any], miss: str | None) -> None:
        with self.lock:
            self.calls += 1
            service = info["service"]
            self.by_service[service] = self.by_service.get(service, 0) + 1
            action = f"{service}:{info['action']}"
            self.by_action[action] = self.by_action.get(action, 0) + 1
            if "metric_queries" in info:
                region = info["region"]
                self.get_metric_data[region] = self.get_metric_data.get(region, 0) + 1
                self.metric_queries[region] = self.metric_queries.get(region, 0) + info["metric_queries"]
            if miss is not None:
                self.misses += 1
                if len(self.missed) < 20:
                    self.missed.append(miss)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "calls": self.calls,
                "by_service": dict(sorted(self.by_service.items())),
                "by_action": dict(sorted(self.by_action.items())),
                "get_metric_data": dict(sorted(self.get_metric_data.items())),
                "metric_queries": dict(sorted(self.metric_queries.items())),
                "misses": self.misses,
                "missed": list(self.missed),
            }


class Recording:
    """The answers, by key; appended to a JSON-lines file while recording."""

    def __init__(self, path: str, mode: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.answers: dict[str, tuple[int, list[list[str]], bytes]] = {}
        if mode == "replay":
            with open(path, encoding="utf-8") as lines:
                for line in lines:
                    if line.strip():
                        entry = json.loads(line)
                        self.answers[entry["key"]] = (
                            entry["status"],
                            entry["headers"],
                            base64.b64decode(entry["body"]),
                        )
            self.out = None
        else:
            self.out = open(path, "a", encoding="utf-8")

    def add(self, key: str, status: int, headers: list[list[str]], body: bytes) -> None:
        entry = {"key": key, "status": status, "headers": headers, "body": base64.b64encode(body).decode()}
        with self.lock:
            self.answers[key] = (status, headers, body)
            assert self.out is not None
            self.out.write(json.dumps(entry, separators=(",", ":")) + "\n")
            self.out.flush()


def make_handler(args: argparse.Namespace, recording: Recording, stats: Stats) -> type:
    upstream = urllib.parse.urlsplit(args.upstream) if args.upstream else None
    latency = args.latency_ms / 1000.0

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes: with Nagle's algorithm and the client's delayed ACK
        # every answer would wait ~40 ms more than the latency asked for.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *values: Any) -> None:  # noqa: A002
            if args.verbose:
                sys.stderr.write("replay-proxy: " + (format % values) + "\n")

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, headers: list[list[str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD" and body:
                self.wfile.write(body)

        def _control(self) -> bool:
            if not self.path.startswith("/_proxy/"):
                return False
            self._body()
            if self.path == "/_proxy/reset" and self.command == "POST":
                with stats.lock:
                    stats.reset()
                self._send(200, [["Content-Type", "application/json"]], b"{}")
            elif self.path == "/_proxy/stats":
                self._send(200, [["Content-Type", "application/json"]], json.dumps(stats.snapshot()).encode())
            else:
                self._send(404, [], b"")
            return True

        def _handle(self) -> None:
            if self._control():
                return
            body = self._body()
            key, info = request_key(self.command, self.path, self.headers, body)
            if args.mode == "record":
                assert upstream is not None
                status, headers, answer = self._forward(upstream, body)
                recording.add(key, status, headers, answer)
                stats.count(info, None)
                self._send(status, headers, answer)
                return
            time.sleep(latency)
            found = recording.answers.get(key)
            stats.count(info, None if found else key)
            if found is None:
                error = f"<Error><Code>ReplayMiss</Code><Message>not recorded: {info['action']}</Message></Error>"
                self._send(400, [["Content-Type", "application/xml"]], error.encode())
                return
            self._send(*found)

        def _forward(self, upstream: urllib.parse.SplitResult, body: bytes) -> tuple[int, list[list[str]], bytes]:
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=300)
            try:
                conn.connect()
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "expect")}
                headers["Host"] = upstream.netloc
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                return response.status, [[k, v] for k, v in response.getheaders()], answer
            finally:
                conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["record", "replay"])
    p.add_argument("--recording", required=True, help="JSON-lines file of answers (appended when recording)")
    p.add_argument("--upstream", help="record: the endpoint to forward to (the simulator)")
    p.add_argument("--latency-ms", type=float, default=20.0, help="replay: per-call latency (default 20)")
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = a free one)")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    p.add_argument("--no-stdin-watch", action="store_true", help="do not exit when stdin reaches EOF")
    args = p.parse_args(argv)
    if args.mode == "record" and not args.upstream:
        p.error("record needs --upstream")
    recording = Recording(args.recording, args.mode)
    stats = Stats()
    server = Server(("127.0.0.1", args.port), make_handler(args, recording, stats))
    threading.Thread(target=server.serve_forever, name="proxy", daemon=True).start()

    stop = threading.Event()
    signalled: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: signalled.append(signum))
    signal.signal(signal.SIGINT, lambda signum, _frame: signalled.append(signum))
    if not args.no_stdin_watch and _stdin_is_pipe():
        threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
    ready = {
        "endpoint": f"http://127.0.0.1:{server.server_address[1]}",
        "mode": args.mode,
        "answers": len(recording.answers),
        "latency_ms": args.latency_ms if args.mode == "replay" else 0,
    }
    print(json.dumps(ready, separators=(",", ":")), flush=True)
    while not signalled and not stop.is_set():
        time.sleep(0.2)
    server.shutdown()
    return 0


def _stdin_is_pipe() -> bool:
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _watch_stdin(stop: threading.Event) -> None:
    try:
        while os.read(sys.stdin.fileno(), 4096):
            pass
    except OSError:
        pass
    stop.set()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
