"""benchmarks/preprocess_profile.py inside the real page (headless Debian chromium), beside the
page's own per-update record of the same stage.

    .venv/bin/python benchmarks/page_profile.py [--dist dist] [--no-snapshot] [--js-flags=...]
                                                [--code 'python expression'] [--moves 200]

Serves a temporary copy of dist/ whose boot.mjs also hands the interpreter to the page
(globalThis.__digitlabPy; nothing else changes), opens it in a fresh browser, draws
--moves mouse moves and reports the page's mean "preprocess" stage, then runs the profile (or
--code) in the page's own interpreter. --no-snapshot removes the snapshot from the copy, so
the page starts Python the ordinary way.
"""

import argparse
import math
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebench as sb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HOOK = "export async function loadPyodide(options = {}) {"


def site_copy(dist, tmp, snapshot):
    """A copy of dist in tmp whose boot.mjs exposes the interpreter. -> its path."""
    site = Path(tmp) / "site"
    shutil.copytree(dist, site)
    boot = site / "boot.mjs"
    text = boot.read_text()
    if HOOK not in text:
        raise SystemExit(f"{boot}: no '{HOOK}' to hook (boot.mjs changed?)")
    boot.write_text(text.replace(HOOK, "export async function loadPyodide(options = {}) {\n"
                                 "  return globalThis.__digitlabPy = await _loadPyodide(options);\n}\n"
                                 "async function _loadPyodide(options = {}) {"))
    if not snapshot:
        shutil.rmtree(site / "snapshot")
    return site


def draw(page, n_moves):
    """Mouse loops over the pad, 40 moves each (as page_bench.py draws), Clear between."""
    box = page.locator("#pad").bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    for k in range(1, n_moves // 40 + 1):
        page.mouse.move(x0 + w * 0.5, y0 + h * 0.18)
        page.mouse.down()
        for i in range(1, 41):
            a = 2 * math.pi * i / 40
            r = 0.22 + 0.06 * math.sin(k + 3 * a)
            page.mouse.move(x0 + w * (0.5 + r * math.sin(a)), y0 + h * (0.5 - 1.4 * r * math.cos(a)))
        page.mouse.up()
        page.click("#clear")


def record(page, n_moves, label):
    """Draw n_moves and print the page's own mean stage times (window.digitlab.timings())."""
    if not n_moves:
        return
    page.evaluate("window.digitlab.timings().length") and page.evaluate("window.__mark = window.digitlab.timings().length")
    draw(page, n_moves)
    page.wait_for_timeout(300)
    recs = [r for r in page.evaluate("window.digitlab.timings().slice(window.__mark || 0)") if not r["blank"]][5:]
    stages = {k: statistics.mean(r["stages"][k] for r in recs) for k in recs[0]["stages"]}
    print(f"- {label}, the page's own record over {len(recs)} updates (mean ms): "
          + ", ".join(f"{k} {v:.3f}" for k, v in stages.items()))


def one_per_frame(page, label, frames=240):
    """preprocess_profile.OnePerFrame called once per animation frame; print its summary."""
    for kwargs in ("noop=True", "reps=1", "reps=5"):
        text = page.evaluate("""async ([frames, kwargs]) => {
            const py = globalThis.__digitlabPy;
            const call = py.runPython(`import preprocess_profile; preprocess_profile.OnePerFrame(${kwargs})`);
            for (let i = 0; i < frames; i++) await new Promise((r) => requestAnimationFrame(() => { call(); r(); }));
            const text = call.summary();
            call.destroy();
            return text;
        }""", [frames, kwargs])
        print(f"- {label} ({kwargs}): {text}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dist", default=str(ROOT / "dist"))
    ap.add_argument("--no-snapshot", action="store_true")
    ap.add_argument("--js-flags", default="")
    ap.add_argument("--code", default="import preprocess_profile; preprocess_profile.report()")
    ap.add_argument("--moves", type=int, default=200)
    args = ap.parse_args()
    profile_py = (Path(__file__).parent / "preprocess_profile.py").read_text()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        server = sb.Server(site_copy(args.dist, tmp, not args.no_snapshot))
        flags = [f"--js-flags={args.js_flags}"] if args.js_flags else []
        browser = p.chromium.launch(executable_path=sb.CHROMIUM, args=sb.CHROMIUM_ARGS + flags, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server.url)
        page.wait_for_selector("#status[data-state=ready]", timeout=sb.READY_TIMEOUT_S * 1000)
        page.wait_for_timeout(500)
        page.evaluate("""(text) => {
            const py = globalThis.__digitlabPy;
            py.FS.writeFile("/home/pyodide/preprocess_profile.py", text);
            py.runPython("import sys; sys.path.insert(0, '/home/pyodide')");
        }""", profile_py)
        record(page, args.moves, "drawing right after start-up")
        one_per_frame(page, "to_mnist + downscale alone, one call per animation frame")
        print(page.evaluate("(code) => String(globalThis.__digitlabPy.runPython(code))", args.code))
        record(page, args.moves, "drawing after the profile ran")
        one_per_frame(page, "one call per frame, after the profile")
        browser.close()
        server.close()


if __name__ == "__main__":
    main()
