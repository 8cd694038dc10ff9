#!/usr/bin/env python3
"""Lays a page out in headless Chromium at given viewport widths and prints, per width, the
document's scroll width, the viewport width and the elements that reach past the viewport.

Chromium is driven over its DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages
separated by NUL on fds 3 and 4), so the viewport is emulated exactly (a phone of 390 CSS px with
the page's meta viewport honoured) rather than a desktop window, which headless Chromium will
not make narrower than 500 px.

    page_width.py [--screenshots DIR] FILE.html 390 1280   ->   one JSON object per line:
    {"width": 390, "viewport": 390, "inner_width": 390, "scroll_width": 390, "overflowing": []}
"""
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

# A phone lays a too-wide page out wider than its screen and zooms out (innerWidth grows with
# it), so overflow is measured against the emulated width, not innerWidth.
MEASURE = """((vw) => {
  const over = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    // The innermost offenders say what is too wide: an element past the edge none of whose
    // children is.
    const past = (e) => { const b = e.getBoundingClientRect(); return b.width > 0 && b.right > vw + 0.5; };
    if (past(el) && !Array.from(el.children).some(past)) {
      over.push(el.tagName.toLowerCase() + ' right=' + Math.round(r.right) + ' "' +
                (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 60) + '"');
    }
  }
  return JSON.stringify({viewport: vw, inner_width: window.innerWidth,
                         scroll_width: document.documentElement.scrollWidth, overflowing: over.slice(0, 8)});
})(%d)"""


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="page-width-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # The child reads commands on fd 3 and writes answers on fd 4.
        def child_fds():
            # Move both ends out of the way first (either may already be 3 or 4), then place
            # them; dup2 makes the copies inheritable, os.pipe's originals are close-on-exec.
            read_end = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
        self.process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile, "--no-first-run",
             "--disable-extensions", "about:blank"],
            # fds 3 and 4 are made by dup2 in the child, after which close_fds would close them.
            preexec_fn=child_fds, close_fds=False,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        wanted = self.next_id
        while True:
            reply = self.read()
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_event(self, method, session):
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    del self.events[i]
                    return event
            self.events.append(self.read())

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def measure(browser, url, width, screenshots=None):
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}, session)
    browser.send("Page.enable", {}, session)
    browser.send("Page.navigate", {"url": url}, session)
    browser.wait_event("Page.loadEventFired", session)
    result = browser.send("Runtime.evaluate", {"expression": MEASURE % width, "returnByValue": True}, session)
    if screenshots:
        import base64
        shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session)
        with open(os.path.join(screenshots, f"page-{width}.png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    browser.send("Target.closeTarget", {"targetId": target})
    value = json.loads(result["result"]["value"])
    value["width"] = width
    return value


def main():
    args = sys.argv[1:]
    screenshots = None
    if args[:1] == ["--screenshots"] and len(args) > 1:
        screenshots, args = args[1], args[2:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if not binary:
        print("page_width.py: chromium not found (Debian package chromium; scripts/setup.sh --build-tests installs it)",
              file=sys.stderr)
        return 1
    # A browser that hangs fails the run instead of blocking it: 180 s holds on a loaded machine.
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("page_width.py: chromium did not answer within 180 s"))
    signal.alarm(180)
    url = "file://" + os.path.abspath(args[0])
    browser = Browser(binary)
    try:
        for width in args[1:]:
            print(json.dumps(measure(browser, url, int(width), screenshots)), flush=True)
    finally:
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
