"""What the service worker's install costs on a first visit: the time from the page being ready
(the worker is registered then) until the worker is active, and the bytes the server sent for it.
Since issue #15 the install fetches every file of the build, lazily loaded ones included, and
checks each one's sha256 before the build is kept.

    python3 build.py build
    python3 benchmarks/sw_install.py [--runs 5] [--site LABEL=DIR ...]

Each run is a fresh headless Debian chromium on a fresh on-disk profile (sitebench.launch_profile);
sites run interleaved, run for run. Prints a Markdown table (medians, min–max) for BENCHMARKS.md.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sitebench as sb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# ms from the page's "digitlab:ready" mark until the registration's worker is active.
INSTALL_MS = """() => new Promise((done) => {
  const t0 = performance.getEntriesByName('digitlab:ready')[0].startTime;
  const check = async () => {
    const r = await navigator.serviceWorker.getRegistration();
    if (r && r.active && r.active.state === 'activated' && !r.installing) done(performance.now() - t0);
    else setTimeout(check, 10);
  };
  check();
})"""


def one_run(playwright, server):
    with tempfile.TemporaryDirectory(prefix="digitlab-sw-") as profile:
        context = sb.launch_profile(playwright, profile)
        try:
            page, errors = sb.open_ready(context, server.url)
            server.take()                                   # what the page itself needed
            ms = page.evaluate(INSTALL_MS)
            page.wait_for_timeout(200)                      # the last responses' log lines
            sent = sum(n for _, n in server.take())
            return {"ms": ms, "kB": sent / 1e3, "errors": errors}
        finally:
            context.close()


def cell(values, digits=0):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--site", action="append", metavar="LABEL=DIR", help="default: this=dist")
    args = ap.parse_args(argv)
    sites = dict(s.split("=", 1) for s in (args.site or [f"this={ROOT / 'dist'}"]))
    servers = {label: sb.Server(path) for label, path in sites.items()}
    runs = {label: [] for label in sites}
    try:
        with sync_playwright() as p:
            for _ in range(args.runs):
                for label, server in servers.items():
                    runs[label].append(one_run(p, server))
    finally:
        for s in servers.values():
            s.close()
    print(f"| first visit, median of {args.runs} fresh browsers (min–max) | " + " | ".join(sites) + " |")
    print("|---|" + "---|" * len(sites))
    print("| ready → worker active, ms | " + " | ".join(cell([r["ms"] for r in runs[s]]) for s in sites) + " |")
    print("| sent for the install, kB | " + " | ".join(cell([r["kB"] for r in runs[s]]) for s in sites) + " |")
    errors = [e for s in sites for r in runs[s] for e in r["errors"]]
    if errors:
        print("errors:", errors[:5])


if __name__ == "__main__":
    main()
