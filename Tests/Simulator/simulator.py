#!/usr/bin/env python3
"""Launch the moto-based AWS simulator for mnemond, seeded with the guide's estate.

    python3 Tests/Simulator/simulator.py [--port 0] [--state target|current|empty]
        [--auth] [--now ISO8601] [--fault NAME ...] [--verbose] [--no-stdin-watch]
        [--generate BUCKETS [--generate-prefix gen-] [--generate-copies 1] [--generate-config FILE]]

--generate also seeds generated estates of BUCKETS buckets each (the guide's bucket shapes,
repeated: see generated.py) after the state, writes their mnemond configuration to
--generate-config, and answers GetMetricData from an index (moto's own is too slow at that size).

When it is ready it prints exactly one JSON line on stdout, e.g.
    {"endpoint":"http://127.0.0.1:PORT","access_key_id":"...","secret_access_key":"...",
     "account":"828879644785","state":"target"}
Everything else goes to stderr. It stops on SIGTERM/SIGINT and, when its stdin is a
pipe or socket, as soon as that reaches EOF, so a parent that dies takes it along.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import stat
import sys
import threading
import time
import urllib.request
from typing import Any

ACCOUNT = "828879644785"
HERE = os.path.dirname(os.path.abspath(__file__))

# Without --auth any key is accepted; these are printed so callers always get a pair.
DUMMY_KEY = ("AKIDSIMULATOR", "simulator-secret")
ADMIN_USER = "mnemond"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = pick a free one)")
    p.add_argument("--state", choices=["target", "current", "empty"], default="target")
    p.add_argument("--auth", action="store_true", help="verify SigV4 signatures and IAM policies")
    p.add_argument("--now", help="ISO 8601 instant the estate's history is relative to (default: the clock)")
    p.add_argument("--fault", action="append", default=[], help="apply a named fault after seeding (repeatable)")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    p.add_argument("--no-stdin-watch", action="store_true", help="do not exit when stdin reaches EOF")
    p.add_argument("--generate", type=int, metavar="BUCKETS", help="also seed a generated estate of BUCKETS buckets")
    p.add_argument("--generate-prefix", default="gen-", help="the generated buckets' name prefix (default gen-)")
    p.add_argument("--generate-copies", type=int, default=1, help="generated estates to seed (default 1)")
    p.add_argument("--generate-config", help="write the generated estates' mnemond configuration here")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    started = time.monotonic()
    sys.path.insert(0, HERE)
    import template

    if argv[:1] == ["--serve-template"]:
        return template.serve(argv[1], prepare_template, run_in_template)
    args = parse_args(argv)
    if template.wanted(args):
        code = template.launch(argv)
        if code is not None:
            return code
    return run(args, prepare(auth=args.auth, generate=bool(args.generate)), started)


def _set_environment(auth: bool) -> None:
    # Must be set before moto is imported: moto reads both at import time.
    os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT
    if auth:
        os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
    else:
        os.environ.pop("INITIAL_NO_AUTH_ACTION_COUNT", None)
    # boto3 used for seeding must not pick up a developer's real profile or endpoint.
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        os.environ.pop(var, None)
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def prepare(auth: bool, generate: bool) -> Any:
    """Everything that does not depend on the estate: moto, the extensions, the WSGI app."""
    _set_environment(auth)
    # moto and werkzeug print; stdout is reserved for the ready line.
    sys.stdout = sys.stderr
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    import extensions  # noqa: E402  (after the environment is set)
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    extensions.install()
    if generate:
        import generated

        generated.install_indexed_metric_data()
    return extensions.ControlApp(DomainDispatcherApplication(create_backend_app))


def prepare_template() -> Any:
    """`prepare`, then one read call per service and region the estates use, answered by the
    app itself, so that the children find botocore's models loaded and moto's backends made."""
    app = prepare(auth=False, generate=False)
    from werkzeug.serving import make_server

    import estate
    import faults  # noqa: F401  (imported here once, for the children)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="warm-up", daemon=True)
    thread.start()
    sim = estate.Sim(f"http://127.0.0.1:{server.server_address[1]}")
    try:
        estate.warm_up(sim)
    finally:
        sim.close()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    # A fork copies only the calling thread: the request threads must be gone first.
    deadline = time.monotonic() + 10
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    if threading.active_count() > 1:
        raise RuntimeError(f"threads left after the warm-up: {threading.enumerate()}")
    return app


def run_in_template(argv: list[str], app: Any) -> int:
    started = time.monotonic()
    args = parse_args(argv)
    _set_environment(auth=False)
    return run(args, app, started)


def run(args: argparse.Namespace, app: Any, started: float) -> int:
    # `prepare` pointed sys.stdout at stderr; the ready line goes to the real stdout.
    real_stdout = sys.__stdout__
    logging.getLogger().setLevel(logging.INFO if args.verbose else logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.INFO if args.verbose else logging.ERROR)

    import extensions
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", args.port, app, threaded=True)
    port = server.server_address[1]
    endpoint = f"http://127.0.0.1:{port}"
    server_thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    server_thread.start()

    # Set by the stdin watcher thread. The signal handler must not call stop.set():
    # it runs on the main thread, possibly while that thread holds the Event's
    # (non-reentrant) lock inside stop.wait(), which deadlocks. It sets a flag instead.
    stop = threading.Event()
    signalled: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        signalled.append(signum)

    def stopping() -> bool:
        return bool(signalled) or stop.is_set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if not args.no_stdin_watch and _stdin_is_pipe():
        threading.Thread(target=_watch_stdin, args=(stop,), name="stdin-watch", daemon=True).start()

    # Without --now the estate follows the clock (e.g. PITR lag stays 3 min while the
    # simulator runs); with it every seeded time is fixed relative to that instant.
    now = extensions.parse_time(args.now) if args.now else None
    try:
        key_id, secret = DUMMY_KEY
        if args.auth:
            key_id, secret = bootstrap_auth(endpoint)
        import estate

        estate.seed(endpoint, args.state, now, access_key_id=key_id, secret_access_key=secret)
        if args.fault:
            import faults

            for name in args.fault:
                faults.apply(endpoint, name, access_key_id=key_id, secret_access_key=secret)
        if args.generate:
            import generated

            count = generated.seed_copies(
                endpoint,
                args.generate,
                args.generate_prefix,
                args.generate_copies,
                args.generate_config,
                now,
                access_key_id=key_id,
                secret_access_key=secret,
            )
            print(f"simulator: {count} generated buckets seeded", file=sys.stderr)
    except Exception:
        logging.exception("seeding the simulator failed")
        server.shutdown()
        return 1

    if stopping():  # told to stop while seeding: nobody is waiting for the line
        server.shutdown()
        return 0
    print(
        f"simulator: {args.state} estate at {endpoint} ready in {time.monotonic() - started:.2f} s",
        file=sys.stderr,
    )
    ready = {
        "endpoint": endpoint,
        "access_key_id": key_id,
        "secret_access_key": secret,
        "account": ACCOUNT,
        "state": args.state,
    }
    real_stdout.write(json.dumps(ready, separators=(",", ":")) + "\n")
    real_stdout.flush()

    while not stopping():
        time.sleep(0.2)
    server.shutdown()
    server_thread.join(timeout=5)
    return 0


def _stdin_is_pipe() -> bool:
    # Only a pipe or socket tells us about the parent; /dev/null or a closed stdin
    # would read EOF at once and a terminal is for SIGINT.
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _watch_stdin(stop: threading.Event) -> None:
    try:
        while True:
            chunk = os.read(sys.stdin.fileno(), 4096)
            if not chunk:
                break
    except OSError:
        pass
    # Stop first: when the parent died, stderr is usually a broken pipe too and
    # writing to it raises.
    stop.set()
    try:
        print("simulator: stdin closed, stopping", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def bootstrap_auth(endpoint: str) -> tuple[str, str]:
    """With signature checking on, moto accepts only keys of IAM users it knows. Open
    exactly three unauthenticated calls to create the admin user, its allow-all
    policy and its key; everything after that, seeding included, is signed with it."""
    import boto3
    from botocore.config import Config

    # text/plain: a form content type would make the server parse the body away.
    req = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth", data=b"3", method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=DUMMY_KEY[0],
        aws_secret_access_key=DUMMY_KEY[1],
        config=Config(retries={"max_attempts": 1}),
    )
    iam.create_user(UserName=ADMIN_USER)
    iam.put_user_policy(
        UserName=ADMIN_USER,
        PolicyName="simulator-admin",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
