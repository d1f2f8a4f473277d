"""build.py serve's handler (buildlib/serving.py): gzip for clients that accept it, bytes kept exact."""

import functools
import gzip
import http.client
import http.server
import os
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from buildlib import serving  # noqa: E402

JS = b"export const digits = [" + b",".join(str(i).encode() for i in range(2000)) + b"];\n"
NPZ = os.urandom(4000)


class _Quiet(serving.Handler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "app.js").write_bytes(JS)
    (root / "tiny.css").write_bytes(b"a{}")
    (root / "w.npz").write_bytes(NPZ)
    (root / "index.html").write_bytes(b"<!doctype html>" + b"<p>x</p>" * 300)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def get(port, path, method="GET", **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, headers=headers)
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res, body


def test_text_is_gzipped_when_accepted_and_inflates_to_the_file(server):
    res, body = get(server, "/app.js", **{"Accept-Encoding": "br, gzip;q=0.8"})
    assert res.status == 200
    assert res.getheader("Content-Encoding") == "gzip"
    assert res.getheader("Vary") == "Accept-Encoding"
    assert res.getheader("Content-Type") == "text/javascript"
    assert res.getheader("Cache-Control") == "no-cache"
    assert int(res.getheader("Content-Length")) == len(body) < len(JS) / 2
    assert gzip.decompress(body) == JS


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "deflate"])
def test_plain_bytes_without_gzip_in_accept_encoding(server, accept):
    res, body = get(server, "/app.js", **({"Accept-Encoding": accept} if accept else {}))
    assert res.getheader("Content-Encoding") is None
    assert body == JS


def test_compressed_and_tiny_files_go_as_they_are(server):
    for path, data in (("/w.npz", NPZ), ("/tiny.css", b"a{}")):
        res, body = get(server, path, **{"Accept-Encoding": "gzip"})
        assert res.getheader("Content-Encoding") is None and body == data


def test_the_folder_index_is_gzipped_too(server):
    res, body = get(server, "/", **{"Accept-Encoding": "gzip"})
    assert res.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body).startswith(b"<!doctype html>")


def test_revalidation_and_head(server):
    res, _ = get(server, "/app.js", **{"Accept-Encoding": "gzip"})
    res2, body2 = get(server, "/app.js", **{"Accept-Encoding": "gzip",
                                            "If-Modified-Since": res.getheader("Last-Modified")})
    assert res2.status == 304 and body2 == b""
    res3, body3 = get(server, "/app.js", "HEAD", **{"Accept-Encoding": "gzip"})
    assert res3.status == 200 and body3 == b"" and res3.getheader("Content-Encoding") == "gzip"
    res4, _ = get(server, "/missing.js", **{"Accept-Encoding": "gzip"})
    assert res4.status == 404
