#!/usr/bin/env python3
"""Loopback forward HTTP proxy that records every request it forwards.

A client configured with HTTP_PROXY=http://127.0.0.1:PORT sends it requests whose target is an
absolute URI (GET http://127.0.0.1:9000/path HTTP/1.1); the proxy forwards each to that host
unchanged (method, path, headers but the hop-by-hop ones, body) and answers with what came
back. CONNECT host:port (how a client reaches an https:// URL through the proxy) opens a
tunnel: the proxy answers 200 and relays bytes both ways without reading them. With --auth
USER:PASSWORD a request without that Proxy-Authorization (Basic) gets 407.

Control endpoints (origin-form targets, not forwarded, not recorded):
  GET  /_proxy/requests  {"requests": [{"method", "host", "path", "authorized"}, …]} (a tunnel is
                         one CONNECT entry, path "")
  POST /_proxy/reset     forget the requests

Usage: forward_proxy.py [--auth USER:PASSWORD]. Ready line: {"endpoint":"http://127.0.0.1:PORT"}.
Exits on SIGTERM or stdin EOF.
"""

import argparse
import base64
import http.client
import select
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler

import peerlib

CONTROL_PREFIX = "/_proxy/"
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
    "trailers", "transfer-encoding", "upgrade", "content-length",
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mnemond-forward-proxy"

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        if self.command == "CONNECT":
            return self.tunnel()
        body = self.read_body()
        if self.path.startswith(CONTROL_PREFIX):
            return self.control()
        target = urllib.parse.urlsplit(self.path)
        if target.scheme != "http" or not target.hostname:
            return self.answer(400, b"forward proxy: expected an absolute http:// URI")
        authorized = self.server.auth is None or self.headers.get("Proxy-Authorization") == self.server.auth
        with self.server.lock:
            self.server.requests.append({
                "method": self.command, "host": target.netloc, "path": target.path, "authorized": authorized,
            })
        if not authorized:
            return self.answer(407, b"proxy authentication required", [("Proxy-Authenticate", 'Basic realm="t"')])
        path = target.path + ("?" + target.query if target.query else "")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            connection = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=60)
            connection.request(self.command, path or "/", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            upstream = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            connection.close()
        except OSError as error:
            peerlib.log("upstream failed", error=type(error).__name__)
            return self.answer(502, b"forward proxy: upstream failed")
        self.send_response(response.status)
        for name, value in upstream:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def tunnel(self):
        host, _, port = self.path.rpartition(":")
        authorized = self.server.auth is None or self.headers.get("Proxy-Authorization") == self.server.auth
        with self.server.lock:
            self.server.requests.append({"method": "CONNECT", "host": self.path, "path": "", "authorized": authorized})
        if not authorized:
            return self.answer(407, b"proxy authentication required", [("Proxy-Authenticate", 'Basic realm="t"')])
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=60)
        except (OSError, ValueError) as error:
            peerlib.log("tunnel failed", error=type(error).__name__)
            return self.answer(502, b"forward proxy: cannot reach the tunnel's host")
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        client = self.connection
        try:
            while True:
                readable, _, _ = select.select([client, upstream], [], [], 60)
                if not readable:
                    break
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is client else client).sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()
            self.close_connection = True

    def control(self):
        route = (self.command, self.path.split("?")[0])
        if route == ("GET", CONTROL_PREFIX + "requests"):
            with self.server.lock:
                return self.json({"requests": list(self.server.requests)})
        if route == ("POST", CONTROL_PREFIX + "reset"):
            with self.server.lock:
                self.server.requests.clear()
            return self.json({"reset": True})
        return self.json({"error": f"no control route {route}"}, status=404)

    def answer(self, status, payload, headers=()):
        peerlib.reply(self, status, payload, "text/plain", headers)

    def json(self, value, status=200):
        peerlib.reply_json(self, value, status)




def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--auth", help="USER:PASSWORD the proxy requires (Basic)")
    args = parser.parse_args()

    stop = peerlib.stop_event()
    server = peerlib.Server(("127.0.0.1", 0), Handler)
    server.lock = threading.Lock()
    server.requests = []
    server.auth = "Basic " + base64.b64encode(args.auth.encode()).decode() if args.auth else None
    peerlib.serve(server, {"endpoint": f"http://127.0.0.1:{server.server_address[1]}"}, stop)


if __name__ == "__main__":
    main()
