"""Helpers shared by the test peers: ready line, lifetime, a throwaway TLS certificate.

Every peer follows the same contract (MnemondTestSupport.PeerProcess relies on it):
- it listens on 127.0.0.1 on ports the kernel picked (port 0), never a fixed port;
- it prints exactly one JSON object on one stdout line once it accepts connections;
- it exits on SIGTERM and when its stdin reaches EOF, so a test process that dies leaves
  no peer behind (its end of the pipe closes with it).
"""

import datetime
import ipaddress
import json
import os
import signal
import socket
import sys
import tempfile
import threading
from http.server import ThreadingHTTPServer


def announce(fields):
    """Print the ready line. Nothing else may be written to stdout before it.

    Returns False when nobody is reading any more (the test process died during startup):
    the caller then shuts down instead of dying on a broken pipe without cleaning up.
    """
    try:
        sys.stdout.write(json.dumps(fields, separators=(",", ":")) + "\n")
        sys.stdout.flush()
        return True
    except (BrokenPipeError, OSError):
        return False


def stop_event():
    """An Event set on SIGTERM/SIGINT or when stdin reaches EOF."""
    stop = threading.Event()

    def on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    threading.Thread(target=watch_stdin, name="stdin-eof", daemon=True).start()
    return stop


def wait_until(stop):
    # A timed wait keeps the main thread responsive to signals on every Python version.
    while not stop.wait(0.2):
        pass


def self_signed_certificate(directory=None):
    """A fresh key and a self-signed certificate for 127.0.0.1/localhost, valid one day.

    The certificate is its own CA (basicConstraints CA:TRUE), so a client that is given the
    certificate file as its CA bundle verifies it, and a client using the system store
    rejects it. Returns (certfile, keyfile, directory).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory = directory or tempfile.mkdtemp(prefix="mnemond-peer-tls-")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mnemond test peer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    certfile = os.path.join(directory, "cert.pem")
    keyfile = os.path.join(directory, "key.pem")
    with open(certfile, "wb") as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(keyfile, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return certfile, keyfile, directory


def remove_directory(directory):
    if not directory:
        return
    for name in os.listdir(directory):
        os.unlink(os.path.join(directory, name))
    os.rmdir(directory)


def log(message, **fields):
    """One event line on stderr (PeerProcess shows the tail of stderr when a peer fails)."""
    extra = " ".join(f"{k}={v}" for k, v in fields.items())
    sys.stderr.write(f"{message} {extra}".rstrip() + "\n")
    sys.stderr.flush()


class Server(ThreadingHTTPServer):
    """The peers' HTTP server: a thread per connection, and a client that drops its connection
    (a killed mnemond, a timeout) is one line on stderr, not a traceback."""

    daemon_threads = True
    quiet_errors = (ConnectionError, socket.timeout, OSError)

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if isinstance(error, self.quiet_errors):
            log("connection error", client=client_address[1], error=type(error).__name__)
        else:
            super().handle_error(request, client_address)


def reply(handler, status, payload, content_type="text/plain", headers=()):
    """One whole answer on `handler` (a BaseHTTPRequestHandler): status, headers, length, body."""
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


def reply_json(handler, value, status=200, headers=()):
    reply(handler, status, json.dumps(value).encode("utf-8"), "application/json", headers)


def serve(server, ready, stop):
    """Serves in a thread, prints the ready line `ready`, runs until `stop` (`stop_event()`,
    made before binding so an early signal is not lost) is set, then shuts the server down."""
    threading.Thread(target=server.serve_forever, name="serve", daemon=True).start()
    if announce(ready):
        wait_until(stop)
    server.shutdown()
    server.server_close()
