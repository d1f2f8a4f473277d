"""Each start-up lever of #7 measured by taking it out: copies of the built site, each without one
lever, run side by side with the full site by startup_bench.py.

    python3 build.py build
    python3 benchmarks/levers.py [--runs 4] [--only full,no-snapshot,...] [startup_bench options]

Variants (all made from dist/ in a temporary folder; dist/ itself is not touched):
  full         the site as built
  no-snapshot  no Python memory snapshot: repeat visits start Python the ordinary way
  no-sw        no service worker (so no snapshot either: it is only used once cached)
  baseline     none of the above: PyScript imports Pyodide's own pyodide.mjs, no service worker
  no-snapshot-first-visit  the first visit starts Python without the snapshot (later visits
               use it once the service worker has cached it)
  gzip-snapshot  the snapshot image gzipped instead of zstd (as a build without `zstd` makes it)
  lazy-weights only the default model's weights are loaded at start (a simulation: switching
               models is broken in this variant; it measures what loading the others lazily saves)
"""

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from buildlib import offline  # noqa: E402
import startup_bench  # noqa: E402


def _drop_line(site, rel, needle):
    path = site / rel
    lines = path.read_text().splitlines(keepends=True)
    kept = [line for line in lines if needle not in line]
    if len(kept) == len(lines):
        raise SystemExit(f"{rel} has no line with {needle!r}; the variant would equal the full site")
    path.write_text("".join(kept))


def _restamp(site):
    """Regenerate the worker's list and build id after changing files, as build.py would."""
    build = offline.write_assets(site)
    version = json.loads((site / "version.json").read_text())
    (site / "version.json").write_text(json.dumps({**version, "build": build}))


def no_snapshot(site):
    shutil.rmtree(site / "snapshot")
    _restamp(site)


def no_sw(site):
    _drop_line(site, "index.html", 'src="./offline.js"')


def baseline(site):
    no_sw(site)
    config = json.loads((site / "pyscript.json").read_text())
    (site / "pyscript.json").write_text(json.dumps({**config, "interpreter": "./vendor/pyodide/pyodide.mjs"}))


def no_snapshot_first_visit(site):
    boot = site / "boot.mjs"
    text = boot.read_text()
    if "const FIRST_VISIT = true;" not in text:
        raise SystemExit("boot.mjs has no FIRST_VISIT switch set to true")
    boot.write_text(text.replace("const FIRST_VISIT = true;", "const FIRST_VISIT = false;"))
    _restamp(site)


def gzip_snapshot(site):
    """The image gzipped (level 9) instead of zstd -19, as a build without the zstd tool makes it."""
    folder = site / "snapshot"
    meta = json.loads((folder / "snapshot.json").read_text())
    if not meta["image"].endswith(".zst"):
        raise SystemExit("the snapshot is not zstd; the variant would equal the full site")
    packed = folder / meta["image"]
    raw = subprocess.run(["zstd", "-dc", str(packed)], capture_output=True, check=True).stdout
    packed.unlink()
    gz = packed.with_suffix(".gz")
    gz.write_bytes(gzip.compress(raw, 9, mtime=0))
    (folder / "snapshot.json").write_text(json.dumps({**meta, "image": gz.name}, indent=1))
    _restamp(site)


def lazy_weights(site):
    config = json.loads((site / "pyscript.json").read_text())
    model = json.loads((site / "version.json").read_text()).get("samples_model") or "cnn"
    files = {src: dest for src, dest in config["files"].items()
             if not src.startswith("./weights/") or src.startswith(f"./weights/{model}.")}
    (site / "pyscript.json").write_text(json.dumps({**config, "files": files}))
    _restamp(site)


VARIANTS = {"full": None, "no-snapshot": no_snapshot, "no-sw": no_sw, "baseline": baseline,
            "no-snapshot-first-visit": no_snapshot_first_visit, "gzip-snapshot": gzip_snapshot,
            "lazy-weights": lazy_weights}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dist", type=Path, default=ROOT / "dist")
    ap.add_argument("--only", default="full,no-snapshot,no-sw,baseline",
                    help=f"comma-separated variants (a+b combines two), from: {', '.join(VARIANTS)}")
    args, rest = ap.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="digitlab-levers-") as tmp:
        sites = []
        for name in args.only.split(","):
            site = Path(tmp) / name
            shutil.copytree(args.dist, site)
            for part in name.split("+"):          # "a+b": both levers changed
                if VARIANTS[part]:
                    VARIANTS[part](site)
            sites += ["--site", f"{name}={site}"]
        startup_bench.main(sites + rest)


if __name__ == "__main__":
    main()
