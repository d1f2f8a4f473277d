"""Fixtures shared by every test folder: where the built site is."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def dist_dir():
    """The built site: $DIGITLAB_DIST (set by `build.py test`), else the repo's dist/."""
    dist = Path(os.environ.get("DIGITLAB_DIST", ROOT / "dist")).resolve()
    if not (dist / "pyscript.json").is_file():
        pytest.fail(f"{dist} is not a built site; run `python3 build.py build` first")
    return dist
