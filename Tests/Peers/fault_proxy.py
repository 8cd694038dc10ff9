#!/usr/bin/env python3
"""Loopback HTTP proxy that forwards to one upstream (the AWS simulator) and injects a fault.

Placed in front of one AWS service with AWS_ENDPOINT_URL_<SERVICE>, it forwards every request
verbatim (method, path, headers, body) to the upstream and answers with what came back, unless
a fault is set; then every request gets the fault until it is changed.

Faults (the answer to every request while set):
  none                forward unchanged
  status-500          HTTP 500 InternalError
  status-503          HTTP 503 ServiceUnavailable
  slowdown            HTTP 503 SlowDown
  throttling          HTTP 400 Throttling (ThrottlingException in JSON)
  access-denied       HTTP 403 AccessDenied
  expired-token       HTTP 400 ExpiredToken
  delay               forward, but answer only after "seconds" (beyond the client's timeout)
  trickle             forward, then send the body one byte every "interval_ms"
  reset               read the request, then reset the connection (RST, no answer)
  short-body          a Content-Length for the whole body, half of it, then close
  truncated           the first half of the body, framed as if it were all of it
  malformed           a body that is not XML/JSON (mismatched tags, stray bytes)
  deep-nesting        a document nested "depth" levels deep
  oversized           the answer padded beyond "bytes" (the client's body cap)
  number-1e300        every number in the answer replaced by 1e300
  number-minus-1e300  … by -1e300
  number-nan          … by NaN
  number-text         … by the text "many" (a wrong type)
Error answers are in the upstream's format: XML (<ErrorResponse><Error><Code>) or JSON
(__type + message, x-amzn-ErrorType), as the forwarded answer's Content-Type says.

A fault may be narrowed: "match" applies it only to requests whose path or body contains that
text (others are forwarded), and "times" to the next that many of them, after which the fault
is "none" again (a call throttled twice, then answered).

Control endpoints (not forwarded, not counted):
  POST /_proxy/fault   {"fault": NAME, "seconds": 8, "depth": 100000, "match": "…", "times": 2, …}:
                       set the fault
  GET  /_proxy/stats   {"forwarded", "faulted", "fault", "requests"}: "requests" names each
                       request since start or reset as "METHOD PATH?QUERY TARGET REGION/SERVICE
                       BODY-SHA256" (TARGET: X-Amz-Target, a query-protocol body's Action=NAME,
                       or -; REGION/SERVICE: the signature's credential scope), so a test can
                       tell two identical calls apart from two calls
  POST /_proxy/reset   fault none, counters zero, requests forgotten

Usage: fault_proxy.py --upstream http://127.0.0.1:PORT. Ready line:
{"endpoint":"http://127.0.0.1:PORT"}. Exits on SIGTERM or stdin EOF.
"""

import argparse
import hashlib
import http.client
import json
import re
import socket
import struct
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler

import peerlib

CONTROL_PREFIX = "/_proxy/"
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length",
}
FAULTS = {
    "none", "status-500", "status-503", "slowdown", "throttling", "access-denied", "expired-token",
    "delay", "trickle", "reset", "short-body", "truncated", "malformed", "deep-nesting", "oversized",
    "number-1e300", "number-minus-1e300", "number-nan", "number-text", "permanent-redirect",
}
# (status, XML code, JSON code, message)
ERRORS = {
    "status-500": (500, "InternalError", "InternalServerException", "We encountered an internal error."),
    "status-503": (503, "ServiceUnavailable", "ServiceUnavailableException", "Service is unavailable."),
    "slowdown": (503, "SlowDown", "SlowDown", "Please reduce your request rate."),
    "throttling": (400, "Throttling", "ThrottlingException", "Rate exceeded"),
    "access-denied": (403, "AccessDenied", "AccessDeniedException", "User is not authorized to perform this action"),
    "expired-token": (400, "ExpiredToken", "ExpiredTokenException", "The security token included in the request is expired"),
    # S3's answer for a bucket asked in a region it is not in.
    "permanent-redirect": (
        301, "PermanentRedirect", "PermanentRedirect",
        "The bucket you are attempting to access must be addressed using the specified endpoint.",
    ),
}
NUMBER_REPLACEMENTS = {
    "number-1e300": "1e300", "number-minus-1e300": "-1e300", "number-nan": "NaN", "number-text": "many",
}
# A number that is the whole text of an XML element, or a JSON value (after ':' or in a list).
XML_NUMBER = re.compile(rb">(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)<")
JSON_NUMBER = re.compile(rb"([:\[,]\s*)(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?=\s*[,}\]])")


class State:
    def __init__(self, stop):
        self.lock = threading.Lock()
        self.stop = stop
        self.fault = {"fault": "none"}
        self.forwarded = 0
        self.faulted = 0
        self.requests = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mnemond-fault-proxy"

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)

    @property
    def state(self):
        return self.server.state

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
        with self.state.lock:
            self.state.requests.append(self.request_name(body))
            fault = dict(self.state.fault)
            match = fault.get("match")
            if match and match.encode("utf-8") not in self.path.encode("utf-8") + b" " + body:
                fault = {"fault": "none"}
            if fault["fault"] == "none":
                self.state.forwarded += 1
            else:
                self.state.faulted += 1
                if fault.get("times") is not None:
                    left = int(self.state.fault["times"]) - 1
                    self.state.fault = {"fault": "none"} if left <= 0 else dict(self.state.fault, times=left)
        name = fault["fault"]
        try:
            if name == "reset":
                return self.reset()
            try:
                status, headers, payload = self.forward(body)
            except OSError as error:
                peerlib.log("upstream failed", error=type(error).__name__)
                return self.answer(502, [("Content-Type", "text/plain")], b"fault proxy: upstream failed")
            if name in ERRORS:
                return self.error(ERRORS[name], headers, payload)
            if name == "delay":
                # Wait, then answer normally: the client has given up long before.
                if self.state.stop.wait(float(fault.get("seconds", 10))):
                    return None
                return self.answer(status, headers, payload)
            if name == "trickle":
                return self.answer(status, headers, payload, trickle_ms=int(fault.get("interval_ms", 200)))
            if name == "short-body":
                return self.answer(status, headers, payload, send=len(payload) // 2)
            if name == "truncated":
                return self.answer(status, headers, payload[: len(payload) // 2])
            if name == "malformed":
                return self.answer(status, headers, self.malformed(headers, payload))
            if name == "deep-nesting":
                depth = int(fault.get("depth", 100000))
                return self.answer(status, headers, self.nested(headers, payload, depth))
            if name == "oversized":
                return self.answer(status, headers, self.padded(headers, payload, int(fault.get("bytes", 16 << 20))))
            if name in NUMBER_REPLACEMENTS:
                return self.answer(status, headers, self.numbers(headers, payload, NUMBER_REPLACEMENTS[name]))
            return self.answer(status, headers, payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout) while the fault was being served: expected.
            self.close_connection = True
            return None

    def request_name(self, body):
        """What makes a call this call: method, target, operation header, signed scope, body."""
        scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/", self.headers.get("Authorization", ""))
        region_service = f"{scope.group(1)}/{scope.group(2)}" if scope else "-"
        action = re.search(rb"(?:^|&)(Action=[A-Za-z0-9]+)", body)
        target = self.headers.get("X-Amz-Target") or (action.group(1).decode() if action else "-")
        return f"{self.command} {self.path} {target} {region_service} {hashlib.sha256(body).hexdigest()}"

    # ------------------------------------------------------------------ forwarding

    def forward(self, body):
        upstream = self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            pairs = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, pairs, payload
        finally:
            connection.close()

    @staticmethod
    def is_json(headers, payload=b""):
        """JSON by Content-Type, or by the body's first character (rest-json answers may come
        without a JSON Content-Type)."""
        for name, value in headers:
            if name.lower() == "content-type" and "json" in value.lower():
                return True
        return payload.lstrip()[:1] in (b"{", b"[")

    def answer(self, status, headers, payload, send=None, trickle_ms=0):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        if send is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        if send is not None:
            self.wfile.write(payload[:send])
            self.wfile.flush()
            return
        if trickle_ms:
            for index in range(len(payload)):
                self.wfile.write(payload[index : index + 1])
                self.wfile.flush()
                if self.state.stop.wait(trickle_ms / 1000.0):
                    return
            return
        self.wfile.write(payload)

    def error(self, spec, upstream_headers, upstream_payload):
        status, xml_code, json_code, message = spec
        if self.is_json(upstream_headers, upstream_payload):
            payload = json.dumps({"__type": json_code, "message": message}).encode()
            headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", json_code)]
        else:
            payload = (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{xml_code}</Code><Message>{message}</Message></Error>"
                "<RequestId>fault-proxy</RequestId></ErrorResponse>"
            ).encode()
            headers = [("Content-Type", "text/xml")]
        headers.append(("x-amzn-RequestId", "fault-proxy"))
        self.answer(status, headers, payload)

    def reset(self):
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    # ------------------------------------------------------------------ hostile bodies

    def malformed(self, headers, payload):
        if self.is_json(headers, payload):
            return b'{"BackupPlansList": [{"BackupPlanId": "x",, ]\x00\xff'
        return b"<?xml version=\"1.0\"?><Response><Result><Item></Result></Item>\x00\xff"

    def nested(self, headers, payload, depth):
        if self.is_json(headers, payload):
            return b"[" * depth + b"]" * depth
        return b"<?xml version=\"1.0\"?>" + b"<a>" * depth + b"</a>" * depth

    def padded(self, headers, payload, limit):
        padding = b" " * (limit + 1024)
        if self.is_json(headers, payload):
            return padding + payload
        return payload + b"<!--" + padding + b"-->"

    def numbers(self, headers, payload, replacement):
        text = replacement.encode()
        if self.is_json(headers, payload):
            value = text if replacement in ("1e300", "-1e300") else b'"' + text + b'"'
            if replacement == "NaN":
                value = b"NaN"  # not JSON at all: a reader must reject it, not read zero
            return JSON_NUMBER.sub(lambda m: m.group(1) + value, payload)
        return XML_NUMBER.sub(lambda m: b">" + text + b"<", payload)

    # ------------------------------------------------------------------ control

    def control(self, body):
        route = (self.command, self.path.split("?")[0])
        if route == ("POST", CONTROL_PREFIX + "fault"):
            fault = json.loads(body or b"{}")
            if fault.get("fault") not in FAULTS:
                return self.json({"error": f"unknown fault {fault.get('fault')!r}"}, status=400)
            with self.state.lock:
                self.state.fault = fault
            return self.json({"fault": fault["fault"]})
        if route == ("GET", CONTROL_PREFIX + "stats"):
            with self.state.lock:
                return self.json(
                    {
                        "forwarded": self.state.forwarded, "faulted": self.state.faulted,
                        "fault": self.state.fault["fault"], "requests": list(self.state.requests),
                    }
                )
        if route == ("POST", CONTROL_PREFIX + "reset"):
            with self.state.lock:
                self.state.fault = {"fault": "none"}
                self.state.forwarded = 0
                self.state.faulted = 0
                self.state.requests = []
            return self.json({"reset": True})
        return self.json({"error": f"no control route {route}"}, status=404)

    def json(self, value, status=200):
        peerlib.reply_json(self, value, status)




def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="http://host:port to forward to")
    args = parser.parse_args()
    upstream = urllib.parse.urlsplit(args.upstream)
    if upstream.scheme != "http" or not upstream.hostname:
        parser.error("--upstream must be http://host:port")

    stop = peerlib.stop_event()
    server = peerlib.Server(("127.0.0.1", 0), Handler)
    server.upstream = upstream
    server.state = State(stop)
    peerlib.serve(server, {"endpoint": f"http://127.0.0.1:{server.server_address[1]}"}, stop)


if __name__ == "__main__":
    main()
