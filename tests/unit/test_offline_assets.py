"""The service worker's precache list and build id (buildlib/offline.py), on the built site."""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from buildlib import offline  # noqa: E402


@pytest.fixture
def site(dist_dir, tmp_path):
    """A copy of the built site, free to change."""
    shutil.copytree(dist_dir, tmp_path / "site")
    return tmp_path / "site"


def assets(site):
    text = (site / offline.ASSETS).read_text()
    return json.loads(text[text.index("{"):text.rindex("}") + 1])


def test_the_shipped_list_is_the_generated_one_with_each_files_hash(dist_dir):
    shipped = assets(dist_dir)
    assert list(shipped["files"]) == [f"./{rel}" for rel in offline.precache_list(dist_dir)]
    for url, digest in shipped["files"].items():            # what sw.js checks every fetched file against
        assert hashlib.sha256((dist_dir / url[2:]).read_bytes()).hexdigest() == digest, url
    assert json.loads((dist_dir / "version.json").read_text())["build"] == shipped["build"]


def test_lazily_loaded_files_belong_to_the_build(site):
    """KaTeX and the data sets are installed and hashed with the rest: an open tab finds its own
    build's copy after a deploy, and a change to one of them alone is a new build."""
    files = offline.precache_list(site)
    for prefix in offline.LAZY:
        assert [f for f in files if f.startswith(prefix)], prefix
    first = offline.write_assets(site)
    for rel in ("vendor/katex/katex.min.css", "data/trainset.npz", "data/evalset.npz"):
        path = site / rel
        data = path.read_bytes()
        path.write_bytes(data + b" ")
        assert offline.write_assets(site) != first, rel
        path.write_bytes(data)
        assert offline.write_assets(site) == first


def test_everything_the_page_starts_with_is_cached_and_nothing_it_never_loads(dist_dir):
    files = set(offline.precache_list(dist_dir))
    config = json.loads((dist_dir / "pyscript.json").read_text())
    needed = {"index.html", "shim.js", "style.css", "main.py", "pyscript.json", "boot.mjs", "manifest.webmanifest",
              "vendor/pyodide/pyodide.mjs", "vendor/pyodide/pyodide.asm.js", "vendor/pyodide/pyodide.asm.wasm",
              "vendor/pyodide/python_stdlib.zip", "vendor/pyodide/pyodide-lock.json", "vendor/pyscript/core.js"}
    needed |= {src.removeprefix("./") for src in config["files"]}
    assert needed <= files, sorted(needed - files)
    assert any(f.startswith("vendor/pyodide/numpy-") for f in files)
    assert "sw.js" not in files and offline.ASSETS not in files
    assert "vendor/pyodide/pyodide.js" not in files
    if config.get("packages_cache") == "passthrough":      # PyScript never imports micropip then
        assert not [f for f in files if "micropip" in f or "packaging" in f]
    assert all((dist_dir / f).is_file() for f in files)


def test_the_build_id_follows_the_cached_bytes_only(site):
    first = offline.write_assets(site)
    assert offline.write_assets(site) == first                      # same bytes, same cache
    (site / "version.json").write_text('{"built": "another time"}')
    assert offline.write_assets(site) == first                      # the build time is not content
    style = site / "style.css"
    style.write_text(style.read_text() + "\n/* changed */\n")
    assert offline.write_assets(site) != first                      # any cached byte is


def test_the_snapshot_is_kept_inflated(dist_dir):
    shipped = assets(dist_dir)
    assert (dist_dir / "snapshot" / "snapshot.json").is_file(), "built without the Python snapshot (no Node?)"
    assert shipped["inflate"] == ["./snapshot/digitlab.snapshot.zst"]
    assert set(shipped["inflate"]) <= set(shipped["files"])
    assert "./vendor/fzstd/fzstd.js" in shipped["files"]          # sw.js imports it to inflate


def test_the_snapshot_image_unpacks_to_its_recorded_size(dist_dir):
    """The zstd image build.py ships is whole: it unpacks to the byte count snapshot.json records."""
    meta = json.loads((dist_dir / "snapshot" / "snapshot.json").read_text())
    raw = subprocess.run(["zstd", "-dc", str(dist_dir / "snapshot" / meta["image"])],
                         capture_output=True, check=True).stdout
    assert len(raw) == meta["bytes"] > 30_000_000
    assert raw[:4] != b"\0\0\0\0"                                  # Pyodide's header, not padding
