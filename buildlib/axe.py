"""axe-core, the accessibility rules engine, for the e2e tests only (never copied into dist/).

The npm tarball is packed once into <cache>/npm/ and checked by sha256 like every other vendored
package (runtime.npm_pack); its axe.min.js is extracted into <cache>/test/axe-core-<version>/.
`build.py test` calls cached() so a fresh machine has it before pytest starts;
tests/e2e/test_a11y.py reads it from there and injects it into the page under test.
"""

import tarfile

from . import runtime

AXE = "4.14.1"
TARBALL = (f"axe-core@{AXE}", f"axe-core-{AXE}.tgz",
           "e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745")


def cached():
    """<cache>/test/axe-core-<version>/axe.min.js, extracted once from the verified tarball. -> path."""
    dest = runtime.cache_root() / "test" / f"axe-core-{AXE}" / "axe.min.js"
    if dest.is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(runtime.npm_pack(*TARBALL)) as tar:
        text = tar.extractfile("package/axe.min.js").read()
    tmp = dest.with_suffix(".tmp")
    tmp.write_bytes(text)
    tmp.rename(dest)                       # complete or absent, never half written
    return dest
