#!/usr/bin/env python3
"""Loopback SMTP sink (aiosmtpd) that keeps every accepted message for the tests.

Options:
  --auth USER:PASS  require AUTH (PLAIN or LOGIN) with these credentials before MAIL; allowed
                    without TLS (auth_require_tls=False) so plain-text AUTH can be tested.
  --starttls        offer STARTTLS with a fresh self-signed certificate (its file is the
                    "cafile" of the ready line).

Control port (HTTP): GET /messages → JSON list of {mail_from, rcpt_tos, data_base64,
data_utf8, tls, authenticated, login}; POST /reset forgets them.

Ready line: {"smtp":"smtp://127.0.0.1:PORT","control":"http://127.0.0.1:PORT2","cafile":…}.
Exits on SIGTERM or stdin EOF.
"""

import argparse
import asyncio
import base64
import logging
import ssl
import warnings
import threading
from http.server import BaseHTTPRequestHandler

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

import peerlib

messages = []
messages_lock = threading.Lock()


class Sink:
    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content or b""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        login = None
        if isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode("utf-8", "replace")
        with messages_lock:
            messages.append(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "data_base64": base64.b64encode(data).decode("ascii"),
                    "data_utf8": text,
                    "tls": session.ssl is not None,
                    "authenticated": bool(session.authenticated),
                    "login": login,
                }
            )
        return "250 OK stored"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


class Control(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002
        pass

    def do_GET(self):
        if self.path.split("?")[0] != "/messages":
            return self.reply(404, {"error": "not found"})
        with messages_lock:
            return self.reply(200, list(messages))

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.split("?")[0] != "/reset":
            return self.reply(404, {"error": "not found"})
        with messages_lock:
            messages.clear()
        return self.reply(200, {"reset": True})

    def reply(self, status, value):
        peerlib.reply_json(self, value, status)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--auth", metavar="USER:PASS")
    parser.add_argument("--starttls", action="store_true")
    args = parser.parse_args()
    # aiosmtpd logs every session at INFO and warns about AUTH without TLS (intended here).
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")

    stop = peerlib.stop_event()
    ready = {}
    tls_context = None
    tls_directory = None
    authenticator = None
    if args.auth:
        user, _, password = args.auth.partition(":")
        authenticator = authenticator_for(user, password)
    try:
        if args.starttls:
            certfile, keyfile, tls_directory = peerlib.self_signed_certificate()
            tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls_context.load_cert_chain(certfile, keyfile)
            ready["cafile"] = certfile

        def make_protocol():
            return SMTP(
                Sink(),
                hostname="mnemond-smtp-sink",
                tls_context=tls_context,
                require_starttls=False,
                authenticator=authenticator,
                auth_required=authenticator is not None,
                auth_require_tls=False,
                decode_data=False,
            )

        loop = asyncio.new_event_loop()
        smtp_server = loop.run_until_complete(loop.create_server(make_protocol, "127.0.0.1", 0))
        smtp_port = smtp_server.sockets[0].getsockname()[1]
        smtp_thread = threading.Thread(target=loop.run_forever, name="smtp", daemon=True)
        smtp_thread.start()

        control = peerlib.Server(("127.0.0.1", 0), Control)
        threading.Thread(target=control.serve_forever, name="control", daemon=True).start()

        ready["smtp"] = f"smtp://127.0.0.1:{smtp_port}"
        ready["control"] = f"http://127.0.0.1:{control.server_address[1]}"
        if peerlib.announce(ready):
            peerlib.wait_until(stop)

        control.shutdown()
        loop.call_soon_threadsafe(smtp_server.close)
        loop.call_soon_threadsafe(loop.stop)
        smtp_thread.join(timeout=5)
    finally:
        peerlib.remove_directory(tls_directory)

if __name__ == "__main__":
    main()
