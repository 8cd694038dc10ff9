#!/usr/bin/env python3
"""Loopback stand-in of the IAM Identity Center portal's GetRoleCredentials.

GET /federation/credentials?role_name=R&account_id=A with header x-amz-sso_bearer_token:
- a token other than --token: 401 UnauthorizedException (as the portal answers an expired or
  revoked token);
- a role or account other than --role/--account: 403 ForbiddenException;
- otherwise 200 {"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken",
  "expiration"}} with the keys given on the command line and an expiration one hour ahead in
  milliseconds since the epoch, as the portal answers.

Control endpoint: GET /_portal/calls {"calls": [{"role_name", "account_id", "authorized"}, …]}
(the token itself is never recorded).

Usage: sso_portal.py --token T --account A --role R --access-key-id K --secret-access-key S.
Ready line: {"endpoint":"http://127.0.0.1:PORT"}. Exits on SIGTERM or stdin EOF.
"""

import argparse
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

import peerlib


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mnemond-sso-portal"

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass

    def do_GET(self):  # noqa: N802 - stdlib signature
        url = urllib.parse.urlsplit(self.path)
        args = self.server.args
        if url.path == "/_portal/calls":
            with self.server.lock:
                return self.json(200, {"calls": list(self.server.calls)})
        if url.path != "/federation/credentials":
            return self.error(404, "ResourceNotFoundException", "no such route")
        query = dict(urllib.parse.parse_qsl(url.query))
        authorized = self.headers.get("x-amz-sso_bearer_token") == args.token
        with self.server.lock:
            self.server.calls.append({
                "role_name": query.get("role_name"), "account_id": query.get("account_id"), "authorized": authorized,
            })
        if not authorized:
            return self.error(401, "UnauthorizedException", "Session token not found or invalid")
        if query.get("role_name") != args.role or query.get("account_id") != args.account:
            return self.error(403, "ForbiddenException", "No access")
        self.json(200, {"roleCredentials": {
            "accessKeyId": args.access_key_id, "secretAccessKey": args.secret_access_key,
            "sessionToken": "sso-session-token", "expiration": int((time.time() + 3600) * 1000),
        }})

    def error(self, status, code, message):
        self.json(status, {"message": message}, [("x-amzn-ErrorType", code)])

    def json(self, status, value, headers=()):
        peerlib.reply_json(self, value, status, headers)




def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--token", "--account", "--role", "--access-key-id", "--secret-access-key"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()

    stop = peerlib.stop_event()
    server = peerlib.Server(("127.0.0.1", 0), Handler)
    server.args = args
    server.lock = threading.Lock()
    server.calls = []
    peerlib.serve(server, {"endpoint": f"http://127.0.0.1:{server.server_address[1]}"}, stop)


if __name__ == "__main__":
    main()
