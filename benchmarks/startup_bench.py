"""Start-up cost of the page: time to a usable pad and to the first prediction, cold and on a
repeat visit, bytes transferred, and memory after load and after many updates.

    python3 build.py build
    python3 benchmarks/startup_bench.py [--runs 5] [--updates 10000] [--site LABEL=DIR ...]
                                        [--phone] [--throttle 4]

Each run starts a fresh headless Debian chromium (so no compiled code or cache survives), opens
the page in a fresh context (cold: empty HTTP cache, no service worker), waits for
`digitlab:ready` and for a service worker, if the page has one, to finish installing; then it
opens the page again in the same context (repeat visit: warm HTTP cache, service worker in
control). Several sites (--site, e.g. a copy of dist/ without one lever) run interleaved, run
for run, so machine noise hits them alike. Times are on the page's own clock, from the start of
navigation. Bytes are counted at the server, so a service worker's own downloads are included;
the server gzips text and wasm for browsers that accept it, as static hosts do (`--encoding
identity` sends everything uncompressed, `both` runs each site both ways side by side).
--phone opens every visit on a 390x844 screen at DPR 3 with touch, --throttle N slows each
page's main thread N times (CDP; its workers are not slowed), e.g. `--phone --throttle 4` for
the first prediction on a mid-range phone. Prints Markdown tables (medians, with min–max) for
BENCHMARKS.md.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebench as sb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


VISITS = ("cold", "repeat", "third")
EMPTY = {"ready": None, "errors": [], "bytes": {}, "bytes_ready": {}}


def one_run(playwright, server, visits=3, phone=False, rate=1):
    """Up to three visits in one fresh browser profile: cold (empty cache), then repeat visits
    with the cache warm and a service worker, if any, in control. -> {visit name: figures}."""
    with tempfile.TemporaryDirectory(prefix="digitlab-bench-") as profile:
        context = sb.launch_profile(playwright, profile, phone)
        try:
            server.take()
            out = {}
            for name in VISITS[:visits]:
                out[name] = visit(context, server, rate)
                if name == "cold":
                    out[name]["sw"] = sb.settle_service_worker(context.pages[-1])
                after = sb.bytes_by_kind(server.take())         # a worker's precache counts here
                before = out[name]["bytes_ready"]
                out[name]["bytes"] = {k: before.get(k, 0) + after.get(k, 0) for k in {*before, *after}}
                context.pages[-1].close()
            return {**{v: EMPTY for v in VISITS}, **out}
        finally:
            context.close()


def visit(context, server, rate=1):
    """Open the site in a new page of context (CPU throttled rate times), wait until ready. -> the
    page's timings, errors, and the bytes served until ready (bytes_ready)."""
    page, errors = sb.open_ready(context, server.url, rate)
    times = page.evaluate(sb.TIMES_JS)
    times["bytes_ready"] = sb.bytes_by_kind(server.take())
    page.wait_for_timeout(300)                       # late requests (lazy chunks) belong to this visit
    times["errors"] = errors
    return times


def drive_updates(page, n):
    """Real mouse strokes over the pad (and Clear between strokes) until n more updates were shown."""
    count = "() => performance.getEntriesByName('digitlab:update').length"
    box = page.locator("#pad").bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    start, k = page.evaluate(count), 0
    while page.evaluate(count) - start < n:
        k += 1
        page.mouse.move(x0 + w * 0.3, y0 + h * 0.2)
        page.mouse.down()
        for i in range(1, 41):                      # a zig-zag down the pad, different each stroke
            u = 0.3 + 0.4 * ((i + k) % 8) / 7
            page.mouse.move(x0 + w * u, y0 + h * (0.2 + 0.6 * i / 40))
        page.mouse.up()
        page.click("#clear")
    return page.evaluate(count) - start


def memory_run(playwright, server, n_updates, visit="cold", phone=False, rate=1):
    """-> heap/wasm bytes after load and after n_updates real updates (one fresh browser), on the
    first visit or (visit="repeat") on the second, which starts from the snapshot if there is one."""
    with tempfile.TemporaryDirectory(prefix="digitlab-bench-") as profile:
        context = sb.launch_profile(playwright, profile, phone)
        try:
            page, errors = sb.open_ready(context, server.url, rate)
            if visit == "repeat":
                sb.settle_service_worker(page)
                page.close()
                page, errors = sb.open_ready(context, server.url, rate)
            page.wait_for_timeout(1000)
            heap0, wasm0 = sb.heap_and_wasm(page)
            done = drive_updates(page, n_updates) if n_updates else 0
            page.wait_for_timeout(1000)
            heap1, wasm1 = sb.heap_and_wasm(page)
            snapshot = page.evaluate("performance.getEntriesByName('digitlab:snapshot').length > 0")
        finally:
            context.close()
        return {"updates": done, "visit": visit, "snapshot": snapshot, "heap_load": heap0, "heap_after": heap1,
                "wasm_load": wasm0, "wasm_after": wasm1, "errors": errors}


# ---------------------------------------------------------------- tables

def med(values, scale=1.0, digits=0):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    m, lo, hi = (x / scale for x in (statistics.median(values), min(values), max(values)))
    fmt = f"{{:.{digits}f}}"
    return fmt.format(m) if len(values) == 1 else f"{fmt.format(m)} ({fmt.format(lo)}–{fmt.format(hi)})"


TIME_ROWS = (  # (label, visit, key, scale, digits)
    ("pad listener attached, ms", "cold", "pad_listener", 1, 0),
    ("first contentful paint, ms", "cold", "fcp", 1, 0),
    ("pad usable (max of the two), ms", "cold", "pad_usable", 1, 0),
    ("first prediction possible, cold, s", "cold", "ready", 1000, 2),
    ("first prediction possible, repeat (2nd visit), s", "repeat", "ready", 1000, 2),
    ("first prediction possible, repeat (3rd visit), s", "third", "ready", 1000, 2),
    ("longest main-thread task before ready, cold, ms", "cold", "longest_task", 1, 0),
    ("longest main-thread task before ready, 2nd visit, ms", "repeat", "longest_task", 1, 0),
    ("longest main-thread task before ready, 3rd visit, ms", "third", "longest_task", 1, 0),
    ("bytes transferred before the first prediction, MB", "cold", ("bytes_ready", "total"), 1e6, 2),
    ("bytes transferred, whole first visit (with precache), MB", "cold", ("bytes", "total"), 1e6, 2),
    ("bytes transferred, repeat visit, MB", "repeat", ("bytes", "total"), 1e6, 2),
    ("requests reaching the server, first load", "cold", ("bytes", "requests"), 1, 0),
    ("requests reaching the server, repeat visit", "repeat", ("bytes", "requests"), 1, 0),
    ("failed requests (4xx/5xx), all visits", "all", "failed", 1, 0),
)


def pick(run, visit, key):
    if key == "failed":
        return sum(len(run[v]["bytes"].get("failed", [])) for v in VISITS if run[v]["bytes"])
    d = run[visit]
    if isinstance(key, tuple):
        return d[key[0]].get(key[1]) if d[key[0]] else None
    if key == "pad_usable":
        return max(d["pad_listener"] or 0, d["fcp"] or 0)
    return d.get(key)


def time_table(results, n_runs):
    labels = list(results)
    lines = [f"| measure (median of {n_runs} fresh browsers, min–max) | " + " | ".join(labels) + " |",
             "|---|" + "---|" * len(labels)]
    for label, visit, key, scale, digits in TIME_ROWS:
        cells = [med([pick(r, visit, key) for r in results[s]["runs"]], scale, digits) for s in labels]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bytes_table(results):
    labels = list(results)
    kinds = sorted({k for s in labels for r in results[s]["runs"] for v in ("cold", "repeat")
                    for k in r[v]["bytes"] if k not in ("total", "requests", "failed")})
    head = [f"{s} {v}" for s in labels for v in ("first", "repeat")]
    lines = ["| bytes by type, kB (median) | " + " | ".join(head) + " |", "|---|" + "---|" * len(head)]
    for k in kinds + ["total"]:
        cells = [med([r[v]["bytes"].get(k, 0) if r[v]["bytes"] else None for r in results[s]["runs"]], 1e3, 0)
                 .split(" ")[0] for s in labels for v in ("cold", "repeat")]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def memory_table(results):
    labels = [s for s in results if results[s].get("memory")]
    if not labels:
        return ""
    m = results[labels[0]]["memory"]
    n, how = m["updates"], f"{m['visit']} visit" + (", from the snapshot" if m["snapshot"] else "")
    lines = [f"| memory, MB (one fresh browser, {how}) | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    for label, key in (("JS heap after load (after GC)", "heap_load"), (f"JS heap after {n} updates", "heap_after"),
                       ("wasm memory after load", "wasm_load"), (f"wasm memory after {n} updates", "wasm_after")):
        lines.append(f"| {label} | " + " | ".join(f"{results[s]['memory'][key] / 1e6:.1f}" for s in labels) + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="fresh browsers per site (default 5)")
    ap.add_argument("--updates", type=int, default=0, help="updates for the memory figures (e.g. 10000; 0 skips)")
    ap.add_argument("--memory-visit", choices=("cold", "repeat"), default="cold",
                    help="measure memory on the first visit or on the second (from the snapshot)")
    ap.add_argument("--site", action="append", metavar="LABEL=DIR",
                    help="a built site to measure (repeatable); default: dist=<repo>/dist")
    ap.add_argument("--visits", type=int, default=3, choices=(1, 2, 3),
                    help="visits per fresh profile: cold, repeat, third (default 3)")
    ap.add_argument("--encoding", choices=("gzip", "identity", "both"), default="gzip",
                    help="serve with gzip as static hosts do (default), uncompressed, or each site both ways")
    ap.add_argument("--json", type=Path, help="also write every raw figure here")
    ap.add_argument("--phone", action="store_true", help="390x844 at DPR 3 with touch (sitebench.PHONE)")
    ap.add_argument("--throttle", type=float, default=1, help="CPU slowdown of each page's main thread, e.g. 4")
    args = ap.parse_args(argv)
    sites = dict(s.split("=", 1) for s in (args.site or [f"dist={ROOT / 'dist'}"]))
    encodings = ("gzip", "identity") if args.encoding == "both" else (args.encoding,)
    served = {(f"{label} ({enc})" if len(encodings) > 1 else label): (path, enc)
              for label, path in sites.items() for enc in encodings}
    servers = {label: sb.Server(path, gzip=enc == "gzip") for label, (path, enc) in served.items()}
    sites = {label: path for label, (path, _) in served.items()}
    results = {label: {"dir": str(path), "runs": []} for label, path in sites.items()}
    try:
        with sync_playwright() as p:
            for i in range(args.runs):
                order = list(servers) if i % 2 == 0 else list(servers)[::-1]
                for label in order:
                    run = one_run(p, servers[label], args.visits, args.phone, args.throttle)
                    results[label]["runs"].append(run)
                    print(f"run {i + 1} {label}: cold {run['cold']['ready']:.0f} ms, "
                          f"repeat {run['repeat']['ready'] or 0:.0f} ms, "
                          f"{run['cold']['bytes']['total'] / 1e6:.2f} MB / "
                          f"{run['repeat']['bytes'].get('total', 0) / 1e6:.2f} MB"
                          + (f", errors {errs}" if (errs := run['cold']['errors'] + run['repeat']['errors']) else ""),
                          file=sys.stderr, flush=True)
            for label in servers:
                if args.updates:
                    results[label]["memory"] = memory_run(p, servers[label], args.updates, args.memory_visit,
                                                          args.phone, args.throttle)
    finally:
        for s in servers.values():
            s.close()
    screen = ("phone 390x844 at DPR 3" if args.phone else "desktop 1280x900") + \
        (f", CPU throttled {args.throttle:g}x (main thread)" if args.throttle != 1 else "")
    print(f"{screen}; load average {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f} on {os.cpu_count()} cores\n")
    print(time_table(results, args.runs), "", bytes_table(results), "", memory_table(results), sep="\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
