"""Every visible string in both languages: site/js/strings/*.js (one dictionary per part of the
page) have the same keys in English and Japanese, and every key the page uses exists.

The dictionaries are JavaScript modules; node evaluates them exactly as the browser does.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[2] / "site"
STRINGS = sorted((SITE / "js" / "strings").glob("*.js"))
LANGS = ("en", "ja")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def load(path):
    """The module's default export, {en: {...}, ja: {...}}, as node sees it."""
    node = shutil.which("node")
    assert node, "node is needed to read the string modules"
    code = f"import s from {json.dumps(path.as_uri())}; process.stdout.write(JSON.stringify(s));"
    out = subprocess.run([node, "--input-type=module", "-e", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def dicts():
    return {p.name: load(p) for p in STRINGS}


def problems(name, d):
    """What is wrong with one strings module (an empty list when nothing)."""
    out = []
    if set(d) != set(LANGS):
        return [f"{name}: languages {sorted(d)}, want {list(LANGS)}"]
    en, ja = d["en"], d["ja"]
    out += [f"{name}: {k!r} missing in ja" for k in sorted(set(en) - set(ja))]
    out += [f"{name}: {k!r} missing in en" for k in sorted(set(ja) - set(en))]
    for k in sorted(set(en) & set(ja)):
        if not (isinstance(en[k], str) and isinstance(ja[k], str) and en[k].strip() and ja[k].strip()):
            out.append(f"{name}: {k!r} is empty or not text")
        elif set(PLACEHOLDER.findall(en[k])) != set(PLACEHOLDER.findall(ja[k])):
            out.append(f"{name}: {k!r} has placeholders {PLACEHOLDER.findall(en[k])} vs {PLACEHOLDER.findall(ja[k])}")
    return out


def test_there_are_string_modules(dicts):
    assert "core.js" in dicts and "editor.js" in dicts
    assert len(dicts["core.js"]["en"]) > 100


def test_same_keys_in_both_languages(dicts):
    found = [p for name, d in dicts.items() for p in problems(name, d)]
    assert found == []


def test_the_check_fails_when_a_key_is_missing(dicts):
    d = json.loads(json.dumps(dicts["core.js"]))
    key = next(iter(d["ja"]))
    del d["ja"][key]
    assert problems("core.js", d) == [f"core.js: {key!r} missing in ja"]
    d = json.loads(json.dumps(dicts["core.js"]))
    d["en"]["only.english"] = "x"
    assert problems("core.js", d) == ["core.js: 'only.english' missing in ja"]
    d = json.loads(json.dumps(dicts["core.js"]))
    d["ja"]["pred.sure"] = "{digit}"
    assert problems("core.js", d) == ["core.js: 'pred.sure' has placeholders ['digit', 'pct'] vs ['digit']"]


def test_japanese_is_japanese(dicts):
    for name, d in dicts.items():
        ja = list(d["ja"].values())
        share = sum(bool(CJK.search(v)) for v in ja) / max(1, len(ja))
        assert share >= 0.6, f"{name}: only {share:.0%} of the Japanese strings hold Japanese"


def all_keys(dicts):
    keys = set()
    for d in dicts.values():
        keys |= set(d["en"]) & set(d["ja"])
    return keys


def used_in_html():
    html = (SITE / "index.html").read_text(encoding="utf-8")
    keys = re.findall(r'data-i18n="([^"]+)"', html)
    for spec in re.findall(r'data-i18n-attr="([^"]+)"', html):
        keys += [pair.split(":", 1)[1].strip() for pair in spec.split(";") if ":" in pair]
    return keys


def used_in_js():
    """Literal keys: t("key") / t('key', {...}) in the page's own scripts (not t("a." + b))."""
    files = sorted((SITE / "js").glob("*.js")) + [SITE / "shim.js"]
    call = re.compile(r"""(?<![\w.$])t\(\s*(["'])([^"'`$]+)\1\s*[,)]""")
    return {(f.name, m.group(2)) for f in files for m in call.finditer(f.read_text(encoding="utf-8"))}


def test_every_html_key_exists(dicts):
    keys = used_in_html()
    assert len(keys) > 40
    assert sorted(set(keys) - all_keys(dicts)) == []


def test_every_js_key_exists(dicts):
    used = used_in_js()
    assert len(used) > 40
    known = all_keys(dicts)
    assert sorted((f, k) for f, k in used if k not in known) == []


def test_the_key_scan_sees_calls():
    call = 'x.textContent = t("draw.undo"); y = t(\'a.b\', { n }); fmt(`${t}`); it("no"); t("c." + d)'
    pattern = re.compile(r"""(?<![\w.$])t\(\s*(["'])([^"'`$]+)\1\s*[,)]""")
    assert [m.group(2) for m in pattern.finditer(call)] == ["draw.undo", "a.b"]
