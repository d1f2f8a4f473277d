"""What build.py installs on the machine when missing: the project venv, node/npm, chromium.

Standard library only. Each step is skipped when already done, so builds stay offline-capable.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"


def log(msg):
    print(f"[build] {msg}", flush=True)


def run(cmd, quiet=False, **kw):
    """subprocess.run that echoes the command and raises on failure.

    quiet: hide the output (pip's warnings) unless the command fails.
    """
    log("$ " + " ".join(str(c) for c in cmd))
    done = subprocess.run([str(c) for c in cmd], capture_output=quiet, text=True, **kw)
    if done.returncode:
        if quiet:
            print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
        raise subprocess.CalledProcessError(done.returncode, [str(c) for c in cmd])


def venv_python():
    return VENV / "bin" / "python"


def ensure_venv(extras=()):
    """Create/refresh .venv with `pip install -e .[extras]`; skipped when pyproject is unchanged."""
    stamp = VENV / ".digitlab-install.json"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    try:
        have = json.loads(stamp.read_text())
        if have["pyproject"] == want and set(extras) <= set(have["extras"]):
            return venv_python()
    except (OSError, ValueError, KeyError):
        pass
    if not venv_python().exists():
        run([sys.executable, "-m", "venv", VENV])
    target = "." + (f"[{','.join(extras)}]" if extras else "")
    run([venv_python(), "-m", "pip", "install", "--upgrade", "pip"], quiet=True)
    run([venv_python(), "-m", "pip", "install", "-e", target], quiet=True, cwd=ROOT)
    stamp.write_text(json.dumps({"pyproject": want, "extras": sorted(extras)}))
    return venv_python()


def ensure_apt(needs):
    """needs: {executable path or name: Debian packages}; apt-get installs those that are missing."""
    def present(exe):  # a data file (a font) is not executable, so which() cannot find it
        return os.path.exists(exe) if os.path.isabs(exe) else shutil.which(exe) is not None

    missing = [pkg for exe, pkgs in needs.items() if not present(exe) for pkg in pkgs]
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(sudo + ["apt-get", "update", "-q"], quiet=True, env=env)
    run(sudo + ["apt-get", "install", "-y", "-q", *missing], quiet=True, env=env)


def ensure_node():
    """npm fetches the runtime once; node runs the Pyodide tests. Debian's node 18 is new enough."""
    ensure_apt({"node": ["nodejs"], "npm": ["npm"]})


def ensure_chromium():
    """The e2e tests drive Debian's chromium (Playwright cannot download browsers here).

    A Japanese font too: without one, the ?lang=ja screenshots show empty boxes for every glyph.
    """
    ensure_apt({"/usr/bin/chromium": ["chromium", "chromium-driver"],
                "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf": ["fonts-ipafont-gothic"]})
