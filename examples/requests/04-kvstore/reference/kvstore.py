"""kvstore: an in-memory JSON key-value store over HTTP, standard library only."""

from __future__ import annotations

import argparse
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

KEY_PATH = re.compile(r"^/keys/([A-Za-z0-9_.-]+)$")


class KVServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, KVHandler)
        self.store: dict[str, object] = {}
        self.lock = threading.Lock()


class KVHandler(BaseHTTPRequestHandler):
    server: KVServer

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    def send_json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_found(self) -> None:
        self.send_json(404, {"error": "not found"})

    def key(self) -> str | None:
        match = KEY_PATH.match(self.path.split("?", 1)[0])
        return match.group(1) if match else None

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] in ("/keys", "/keys/"):
            with self.server.lock:
                keys = sorted(self.server.store)
            self.send_json(200, {"keys": keys})
            return
        key = self.key()
        with self.server.lock:
            present = key is not None and key in self.server.store
            value = self.server.store.get(key) if present and key is not None else None
        if not present:
            self.not_found()
        else:
            self.send_json(200, {"key": key, "value": value})

    def do_PUT(self) -> None:
        key = self.key()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if key is None:
            self.not_found()
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.send_json(400, {"error": "body is not valid JSON"})
            return
        if not isinstance(body, dict) or "value" not in body:
            self.send_json(400, {"error": 'body must be an object with a "value" member'})
            return
        with self.server.lock:
            created = key not in self.server.store
            self.server.store[key] = body["value"]
        self.send_json(201 if created else 200, {"key": key, "value": body["value"]})

    def do_DELETE(self) -> None:
        key = self.key()
        with self.server.lock:
            present = key is not None and key in self.server.store
            if present and key is not None:
                del self.server.store[key]
        if not present:
            self.not_found()
            return
        self.send_response(204)
        self.end_headers()


def make_server(host: str, port: int) -> HTTPServer:
    return KVServer((host, port))


def main() -> None:
    parser = argparse.ArgumentParser(description="In-memory JSON key-value store.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    server = make_server(args.host, args.port)
    print(f"serving on http://{args.host}:{server.server_address[1]}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
