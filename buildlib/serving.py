"""How dist/ is served: the types Pyodide needs, revalidation on every load, and gzip.

Static hosts compress text and wasm on the fly for clients that accept it (the 10 MB Pyodide
wasm travels as 3.2 MB); this server does the same, so `build.py serve`, the benchmarks and the
e2e tests see the bytes a deployed site sends. Already-compressed files (wheels, zips, npz, the
packed snapshot, PNG icons) go as they are. Compressed bodies are kept in memory per file
version, so a file is compressed once per change.
"""

import email.utils
import gzip
import http.server
import os
import threading

TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
         ".whl": "application/zip", ".json": "application/json", ".npz": "application/octet-stream",
         ".webmanifest": "application/manifest+json"}
COMPRESSED_SUFFIXES = (".wasm", ".js", ".mjs", ".json", ".html", ".css", ".py", ".svg",
                       ".webmanifest", ".txt", ".map", ".md")
MIN_BYTES = 1024        # below this the header costs more than gzip saves
LEVEL = 6               # zlib's default: level 9 saves ~1% more on the wasm for 3x the time

_bodies = {}            # (path, mtime_ns, size) -> gzip bytes
_lock = threading.Lock()


def gzipped(path, st):
    """The file at `path` (os.stat result `st`) gzipped, computed once per file version."""
    key = (path, st.st_mtime_ns, st.st_size)
    with _lock:
        body = _bodies.get(key)
    if body is None:
        with open(path, "rb") as f:
            body = gzip.compress(f.read(), LEVEL, mtime=0)
        with _lock:
            _bodies[key] = body
    return body


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with Pyodide's types, `Cache-Control: no-cache` (a rebuild shows at once),
    and `Content-Encoding: gzip` for compressible files when the client accepts it."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **TYPES}

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_head(self):
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?")[0].endswith("/"):
            path = os.path.join(path, "index.html")
        if not (self._accepts_gzip() and path.endswith(COMPRESSED_SUFFIXES) and os.path.isfile(path)):
            return super().send_head()
        st = os.stat(path)
        if st.st_size < MIN_BYTES:
            return super().send_head()
        if self._not_modified(st):
            self.send_response(http.HTTPStatus.NOT_MODIFIED)
            self.end_headers()
            return None
        body = gzipped(path, st)
        self.send_response(http.HTTPStatus.OK)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(int(st.st_mtime)))
        self.end_headers()
        return _Body(body)

    def _accepts_gzip(self):
        for offer in self.headers.get("Accept-Encoding", "").lower().split(","):
            name, *params = [part.strip() for part in offer.split(";")]
            if name == "gzip":
                q = next((p[2:] for p in params if p.startswith("q=")), "1")
                try:
                    return float(q) > 0
                except ValueError:
                    return False
        return False

    def _not_modified(self, st):
        """An If-Modified-Since that still holds (If-None-Match is not used: no ETags here)."""
        since = self.headers.get("If-Modified-Since")
        if not since or "If-None-Match" in self.headers:
            return False
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return when.tzinfo is not None and int(st.st_mtime) <= when.timestamp()


class _Body:
    """A finished body for SimpleHTTPRequestHandler, which copies a file object's bytes out."""

    def __init__(self, data):
        self.data = data

    def read(self, n=-1):
        data, self.data = (self.data, b"") if n < 0 else (self.data[:n], self.data[n:])
        return data

    def close(self):
        self.data = b""
