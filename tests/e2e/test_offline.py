"""Offline and installable: the service worker, the web app manifest, and clean updates.

Each test serves its own copy of dist/ on its own port (service workers and their caches belong
to an origin, and these tests stop the server or redeploy a changed site under the page).

Run: python3 build.py build && DIGITLAB_DIST=$PWD/dist python3 -m pytest tests/e2e/test_offline.py
"""

import functools
import hashlib
import http.server
import io
import json
import shutil
import struct
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from digitlab import models

from .conftest import DIGITS, READY_TIMEOUT_MS, SCREENSHOTS, App

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from buildlib import offline, serving  # noqa: E402

pytestmark = pytest.mark.e2e


class Site:
    """A copy of dist/ served on 127.0.0.1:<free port>, which a test can stop or redeploy."""

    def __init__(self, src, root):
        self.root = Path(root)
        shutil.copytree(src, self.root)
        handler = functools.partial(_NoCache, directory=str(self.root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.up = True

    def stop(self):
        """Close the listening socket: from now on every request to the origin is refused."""
        if self.up:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.up = False

    def stage(self, changes):
        """A second build beside the served one: a copy with changes ({rel: old bytes -> new
        bytes}) made and the worker's list regenerated, as `build.py build` would. Nothing is
        served from it until upload(). -> (its folder, the new build id)."""
        new = self.root.with_name(self.root.name + "-next")
        shutil.copytree(self.root, new)
        for rel, change in changes.items():
            (new / rel).write_bytes(change((new / rel).read_bytes()))
        build = offline.write_assets(new)
        version = json.loads((new / "version.json").read_text())
        (new / "version.json").write_text(json.dumps({**version, "build": build}))
        return new, build

    def upload(self, new, rels):
        """Copy some files of a staged build over the served ones (a deploy, or part of one)."""
        for rel in rels:
            shutil.copy2(new / rel, self.root / rel)


class _NoCache(serving.Handler):
    def log_message(self, *args):
        pass


@pytest.fixture
def site(dist_dir, tmp_path):
    s = Site(dist_dir, tmp_path / "site")
    yield s
    s.stop()


def wait_offline_ready(app):
    """Until the worker controls the page and has cached this build (the footer says so)."""
    app.poll("() => !!navigator.serviceWorker.controller &&"
             " document.querySelector('#version')?.dataset.offline === 'yes'", timeout_ms=READY_TIMEOUT_MS)


def cache_names(app):
    """The builds' caches (sw.js also keeps a small table of which tab runs which build)."""
    return [n for n in app.page.evaluate("caches.keys()") if n.startswith("digitlab-")]


def test_a_repeat_visit_works_with_the_server_gone(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site.url).open()
        wait_offline_ready(app)
        build = json.loads((site.root / "version.json").read_text())["build"]
        assert cache_names(app) == [f"digitlab-{build}"]
        site.stop()
        responses = []
        app.page.on("response", lambda r: responses.append((r.url, r.from_service_worker, r.status)))
        failed = []
        app.page.on("requestfailed", lambda r: failed.append(r.url))
        n_errors = len(app.errors)
        app.page.reload()
        app.page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_MS)
        app.wait_update(0)
        pred = app.draw(DIGITS[7])
        assert pred["digit"] == "7" and pred["state"] == "sure", pred
        assert app.page.get_attribute("#version", "data-build") == build
        assert failed == []
        assert len(responses) > 40                       # the whole runtime came back...
        assert [u for u, from_sw, _ in responses if not from_sw] == []   # ...every byte from the worker
        assert {status for *_, status in responses} == {200}
        assert app.errors[n_errors:] == []
        assert app.foreign_requests() == []
    finally:
        context.close()


def test_every_visit_starts_python_from_the_snapshot(browser, site):
    """The memory snapshot (numpy and digitlab imported at build time) is used from the first
    visit on: packed (zstd) then, inflated from the service worker's cache after; the network it
    restores computes exactly what CPython computes."""
    meta = json.loads((site.root / "snapshot" / "snapshot.json").read_text())
    assert meta["image"].endswith(".zst"), meta["image"]
    packed, inflated = f"/snapshot/{meta['image']}", f"/snapshot/{meta['image'][:-4]}"
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site.url).open()
        assert app.page.evaluate("performance.getEntriesByName('digitlab:snapshot').length") == 1
        assert any(url.endswith(packed) for url in app.requests), "the first visit did not read the packed image"
        wait_offline_ready(app)
        n = len(app.requests)
        app.page.reload()
        app.page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_MS)
        assert app.page.evaluate("performance.getEntriesByName('digitlab:snapshot').length") == 1
        again = app.requests[n:]
        assert any(url.endswith(inflated) for url in again), "the repeat visit did not read the inflated image"
        assert not any(url.endswith(packed) for url in again)
        for digit in (0, 3):
            app.clear()
            pred = app.draw(DIGITS[digit])
            assert pred["digit"] == str(digit), pred
            snap = app.snapshot()
            net = models.load(snap["model"], root=site.root / "weights")
            x = np.asarray(snap["input"], np.float32).reshape(1, 784)
            np.testing.assert_allclose(snap["probs"], net.forward(x).probs[0], atol=1e-5)
        app.choose("mlp-128-64")                       # a model the snapshot never loaded
        snap = app.snapshot()
        net = models.load("mlp-128-64", root=site.root / "weights")
        np.testing.assert_allclose(
            snap["probs"], net.forward(np.asarray(snap["input"], np.float32).reshape(1, 784)).probs[0], atol=1e-5)
        assert app.errors == []
    finally:
        context.close()


def appended(extra):
    return lambda data: data + extra


def resaved(data):
    """The same arrays in a differently packed npz: other bytes, the same data set."""
    arrays = dict(np.load(io.BytesIO(data)))
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


# What the second deploy changes: an eager file and a lazy one of each kind (the code view,
# KaTeX, the training set), so each must come from its own build in each tab.
DEPLOY_2 = {
    "style.css": appended(b"\n/* deploy 2 */\n"),
    "js/codeview.js": appended(b"\n// deploy 2\n"),
    "vendor/katex/katex.min.css": appended(b"\n/* deploy 2 */\n"),
    "data/trainset.npz": resaved,
}
SHA256_OF = """async (urls) => Promise.all(urls.map(async (u) => {
    const bytes = await (await fetch(u)).arrayBuffer();
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}))"""


def check_for_update(app):
    """Ask the browser to look for a new sw.js now (it also does on navigations), and wait until
    that install has settled, installed or failed."""
    app.page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update()).catch(() => {})")
    app.poll("() => navigator.serviceWorker.getRegistration().then((r) => !r.installing)",
             timeout_ms=READY_TIMEOUT_MS)


def served(app, rels):
    """sha256 of each file as this tab gets it now."""
    return dict(zip(rels, app.page.evaluate(SHA256_OF, [f"./{rel}" for rel in rels])))


def test_an_open_tab_keeps_its_build_through_a_deploy_and_reloads_into_the_new_one(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site.url).open()
        wait_offline_ready(app)
        old = app.page.get_attribute("#version", "data-build")
        assert cache_names(app) == [f"digitlab-{old}"]
        rels = list(DEPLOY_2)
        before = {rel: hashlib.sha256((site.root / rel).read_bytes()).hexdigest() for rel in rels}
        staged, new = site.stage(DEPLOY_2)
        after = {rel: hashlib.sha256((staged / rel).read_bytes()).hexdigest() for rel in rels}
        assert new != old and all(before[r] != after[r] for r in rels)

        # Uploaded in pieces: the new list is there, the files it lists are not yet. Not cached.
        site.upload(staged, [offline.ASSETS, "version.json"])
        check_for_update(app)
        assert cache_names(app) == [f"digitlab-{old}"]
        assert app.page.is_hidden("#update")
        # The rest arrives: the new build is installed, checked, and takes over the worker.
        site.upload(staged, rels)
        check_for_update(app)
        app.poll("() => !document.querySelector('#update').hidden")
        assert sorted(cache_names(app)) == sorted([f"digitlab-{old}", f"digitlab-{new}"])

        # The open tab uses its lazy features now, and gets its own build's files for all of them.
        app.page.click("#editor-toggle")
        app.page.wait_for_selector("#editor .cm-content")
        app.page.click("#train-open")
        app.poll("() => document.querySelector('#train-progress').dataset.acc !== ''", timeout_ms=60_000)
        app.page.locator("#maths").scroll_into_view_if_needed()
        app.poll("() => document.querySelector('#maths').dataset.katex === 'ready'")
        assert served(app, rels) == before
        assert app.page.get_attribute("#version", "data-build") == old
        update = app.page.locator("#update")
        assert "build " + old in update.text_content()
        button = app.page.locator("#update button#reload")
        assert button.is_visible() and button.text_content() == "Reload to use the new version"
        button.scroll_into_view_if_needed()
        app.page.screenshot(path=str(SCREENSHOTS / "offline-update.png"))
        app.page.set_viewport_size({"width": 390, "height": 844})
        button.scroll_into_view_if_needed()
        app.page.screenshot(path=str(SCREENSHOTS / "offline-update-phone.png"))

        # The footer's button starts the new build; the old build's cache goes with its last tab.
        with app.page.expect_navigation():
            button.click()
        app.page.wait_for_selector("#status[data-state=ready]", timeout=READY_TIMEOUT_MS)
        app.poll("(b) => document.querySelector('#version')?.dataset.build === b", new)
        assert served(app, rels) == after
        assert app.page.is_hidden("#update")
        app.poll("(b) => caches.keys().then((k) => k.filter((n) => n.startsWith('digitlab-')).join() === 'digitlab-' + b)",
                 new, timeout_ms=30_000)
        app.page.wait_for_selector("#editor .cm-content")      # the panel reopens as it was left
        assert app.draw(DIGITS[7])["digit"] == "7"
        assert app.errors == []
    finally:
        context.close()


def png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_the_manifest_makes_the_app_installable(browser_type, browser_type_launch_args, site, tmp_path):
    manifest = json.loads((site.root / "manifest.webmanifest").read_text())
    assert manifest["name"] and manifest["short_name"] and manifest["start_url"] == "./"
    assert manifest["display"] in ("standalone", "fullscreen", "minimal-ui")
    sizes = {}
    for icon in manifest["icons"]:
        w, h = png_size(site.root / icon["src"])
        assert icon["sizes"] == f"{w}x{h}" and icon["type"] == "image/png"
        sizes.setdefault(icon.get("purpose", "any"), set()).add(w)
    assert {192, 512} <= sizes["any"] and {192, 512} <= sizes["maskable"]
    # Chromium's own verdict, once the worker controls the page. It needs an on-disk profile:
    # in a default (incognito) context the only error it reports is "in-incognito".
    context = browser_type.launch_persistent_context(tmp_path / "profile", **browser_type_launch_args)
    try:
        app = App(context, site.url).open()
        wait_offline_ready(app)
        cdp = context.new_cdp_session(app.page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        manifest_seen = cdp.send("Page.getAppManifest")
        assert not manifest_seen.get("errors"), manifest_seen["errors"]
        assert [e["errorId"] for e in errors] == [], errors
    finally:
        context.close()


def test_a_damaged_snapshot_falls_back_to_an_ordinary_start(browser, site):
    """A truncated snapshot image costs the fast start, nothing else: Python starts the ordinary
    way, predicts as CPython does, and the console shows no error."""
    meta = json.loads((site.root / "snapshot" / "snapshot.json").read_text())
    image = site.root / "snapshot" / meta["image"]
    image.write_bytes(image.read_bytes()[: image.stat().st_size // 2])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        app = App(context, site.url).open()
        assert app.page.evaluate("performance.getEntriesByName('digitlab:snapshot').length") == 0
        pred = app.draw(DIGITS[7])
        assert pred["digit"] == "7", pred
        snap = app.snapshot()
        net = models.load(snap["model"], root=site.root / "weights")
        np.testing.assert_allclose(
            snap["probs"], net.forward(np.asarray(snap["input"], np.float32).reshape(1, 784)).probs[0], atol=1e-5)
        assert app.errors == []
    finally:
        context.close()
