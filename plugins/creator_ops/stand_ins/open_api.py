"""A fake of the platform's open API on 127.0.0.1: checks signatures, serves pages, injects 429 and 5xx."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

APP_KEY = "test-app-key"
APP_SECRET = "test-app-secret-0123456789"
SHOP_ID = "7495001"
CREATOR_PATH = "/affiliate_seller/202406/marketplace_creators/search"
SERVER_LIFETIME_SECONDS = 120  # the server shuts itself down even if a test forgets to


def expected_signature(secret: str, path: str, params: dict[str, str], body: bytes) -> str:
    """The platform's side of the signature, written here independently of the client."""
    text = path
    for key in sorted(params):
        if key not in ("sign", "access_token"):
            text += key + params[key]
    message = secret.encode() + text.encode() + body + secret.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class Seen:
    at: float
    path: str
    status: int
    params: dict[str, str]
    body: bytes


@dataclass
class FakePlatform:
    """State of the fake API: data served, faults to inject (by request number) and what it saw."""

    creators: list[dict] = field(default_factory=list)
    faults: dict[int, tuple[int, dict[str, str]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def statuses(self) -> list[int]:
        return [s.status for s in self.seen]

    def answer(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, dict[str, str], dict]:
        parts = urlsplit(raw_path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self.lock:
            number = len(self.seen) + 1
            status, extra_headers, payload = self._decide(number, parts.path, params, body)
            self.seen.append(Seen(time.monotonic(), parts.path, status, params, body))
        return status, extra_headers, payload

    def _decide(self, number, path, params, body):
        for needed in ("app_key", "timestamp", "shop_id", "sign"):
            if needed not in params:
                return 401, {}, {"code": 106001, "message": f"missing {needed}"}
        if params["app_key"] != APP_KEY or params["shop_id"] != SHOP_ID:
            return 401, {}, {"code": 106002, "message": "unknown app or shop"}
        if abs(time.time() - int(params["timestamp"])) > 300:
            return 401, {}, {"code": 106003, "message": "stale timestamp"}
        if not hmac.compare_digest(params["sign"], expected_signature(APP_SECRET, path, params, body)):
            return 401, {}, {"code": 106001, "message": "invalid signature"}
        if number in self.faults:
            status, headers = self.faults[number]
            return status, headers, {"code": 36009003 if status == 429 else 1, "message": "injected"}
        items = {CREATOR_PATH: ("creators", self.creators)}
        if path not in items:
            return 404, {}, {"code": 404, "message": "no such path"}
        key, rows = items[path]
        size = int(params.get("page_size", "20"))
        offset = int(params.get("page_token") or 0)  # an opaque token to clients; an offset here
        page = rows[offset : offset + size]
        following = offset + size if offset + size < len(rows) else ""
        data = {key: page, "next_page_token": str(following), "total_count": len(rows)}
        return 200, {}, {"code": 0, "message": "Success", "request_id": f"r{number}", "data": data}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real platform
    # headers and body leave in one segment: otherwise Nagle plus delayed ACK adds 40 ms per request
    disable_nagle_algorithm = True
    wbufsize = 1 << 16
    platform: FakePlatform

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self.server.platform.answer(self.command, self.path, self.headers, body)
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _serve

    def log_message(self, *args) -> None:  # keep test output clean
        pass


def make_creator(i: int) -> dict:
    """A marketplace record with Malay, Chinese and Tamil handles in turn."""
    handles = ["Kedai Cantik", "美妆小铺", "அழகு கடை"]
    return {
        "username": f"@Creator{i:04d}",
        "nickname": f"{handles[i % 3]} {i}",
        "follower_count": 1_000 + 37 * i,
        "categories": [{"id": str(600 + i % 4), "name": ["beauty", "fashion", "home_living", "food"][i % 4]}],
        "region_state": ["Selangor", "Johor", "Pulau Pinang"][i % 3],
        "gmv_30d": {"amount": f"{i * 123}.{i % 100:02d}", "currency": "MYR"},
        "avg_video_views_30d": 100 * (i % 50),
    }


def start_fake_platform() -> tuple[FakePlatform, Callable[[], None]]:
    """Start the fake API on a free loopback port; return it and the function that stops it."""
    platform = FakePlatform()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.platform = platform
    platform.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    watchdog = threading.Timer(SERVER_LIFETIME_SECONDS, server.shutdown)
    watchdog.daemon = True
    thread.start()
    watchdog.start()

    def stop() -> None:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return platform, stop
