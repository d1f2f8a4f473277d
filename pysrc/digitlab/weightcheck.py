"""What a weights file may hold before any of it is trusted: the limits `weights.load` enforces.

A pair of files from outside (the page's Import) is read in this order, and each step runs
before the next one can cost anything:

1. sizes: the npz at most MAX_NPZ_BYTES, the manifest MAX_MANIFEST_BYTES;
2. the manifest's nesting depth, counted on the text before `json` recurses into it;
3. its fields: known layer types and activations only, layer names from a short alphabet (they
   reach the live maths' TeX), sizes that are JSON whole numbers, an npz_sha256;
4. the shapes layer by layer, with caps on parameters, on the values any layer holds for one
   image (outputs and a conv's patches) and on multiply-adds per image;
5. the npz's zip directory (entry names, declared sizes), then each array's .npy header (dtype,
   shape), before one array byte is unpacked. No entry is read past its declared size (zipfile
   stops there), and that size may not exceed what the manifest's shape needs, so a packed
   entry costs at most its array's bytes however well it packs: an all-zero layer packs ~1000:1.

Every refusal raises `Refused` with words for a person; `weights.load` adds the file's name.
"""

import io
import re
import zipfile

import numpy as np

from .core import activations

MAX_NPZ_BYTES = 5_000_000        # MAX_PARAMS float32 plus headers (the largest shipped npz: 445 KB)
MAX_MANIFEST_BYTES = 1_000_000   # shipped manifests: 2-4 KB
MAX_DEPTH = 20                   # shipped manifests nest 4 deep
MAX_LAYERS = 32
MAX_PARAMS = 1_000_000           # 9x mlp-128-64-32; a page-trained 4x256 MLP has 0.27M
MAX_VALUES = 100_000             # per image, in any one layer (cnn's largest: 25,600 conv2 patches)
MAX_MACS = 10_000_000            # multiply-adds per image: 9x the shipped cnn (1.12M)
MAX_SIZE = 100_000               # any one size in the layer list
NPY_HEADER = 4096                # room for an .npy header around the array's bytes
NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}\Z")
SHA256 = re.compile(r"[0-9a-f]{64}\Z")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
INPUT_SHAPES = ([784], [28, 28, 1])
KEYS = {"dense": ({"in", "out"}, {"activation"}),          # required, optional (besides type, name, params)
        "conv2d": ({"kernel", "in_channels", "out_channels"}, {"activation"}),
        "maxpool2d": (set(), {"size"}),
        "flatten": (set(), set())}


class Refused(ValueError):
    """The file is outside what the loader accepts; the message says what and why."""


def depth(text):
    """How deep `text`'s brackets nest, strings left out: cheap, and no recursion."""
    b = np.frombuffer(STRING.sub("", text).encode("utf-8", "replace"), np.uint8)
    step = np.isin(b, (91, 123)).astype(np.int64) - np.isin(b, (93, 125))
    return int(np.cumsum(step).max(initial=0))


def manifest_text(text):
    """Before json.loads: size and nesting (100,000 brackets would exhaust the stack)."""
    if len(text) > MAX_MANIFEST_BYTES:
        raise Refused(f"manifest is {len(text):,} characters, the limit is {MAX_MANIFEST_BYTES:,}")
    if depth(text) > MAX_DEPTH:
        raise Refused(f"manifest nests deeper than {MAX_DEPTH} levels")


def whole(v, what, lo=1, hi=MAX_SIZE):
    """v must be a JSON whole number in [lo, hi] (not 784.0, "784" or true)."""
    if type(v) is not int or not lo <= v <= hi:
        raise Refused(f"{what} must be a whole number from {lo} to {hi:,}, got {str(v)[:40]!r}")
    return v


def manifest(m):
    """The parsed manifest's fields (after the format checks). -> input shape tuple."""
    if not isinstance(m.get("npz_sha256"), str) or not SHA256.match(m["npz_sha256"]):
        raise Refused("npz_sha256 is missing or not 64 hex digits")
    whole(m.get("param_count"), "param_count", 1, 2 ** 31)   # the cap itself: costs()
    if "arch" in m and (not isinstance(m["arch"], str) or not 0 < len(m["arch"]) <= 60):
        raise Refused("arch must be a name of 1-60 characters")
    shape = m.get("input", {}).get("shape") if isinstance(m.get("input"), dict) else None
    if not isinstance(shape, list) or [type(s) for s in shape] != [int] * len(shape) or shape not in INPUT_SHAPES:
        raise Refused(f"input shape must be {INPUT_SHAPES[0]} or {INPUT_SHAPES[1]}, got {str(shape)[:40]}")
    layers = m.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise Refused(f"layers must be a list of 1-{MAX_LAYERS} layers")
    names = [spec_fields(s) for s in layers]
    if len(set(names)) != len(names):
        raise Refused("two layers have the same name")
    return tuple(shape)


def spec_fields(s):
    """One layer's entry: known type and keys, safe name, known activation. -> its name."""
    if not isinstance(s, dict) or s.get("type") not in KEYS:
        raise Refused(f"unknown layer type {str(s.get('type') if isinstance(s, dict) else s)[:40]!r} "
                      f"(known: {', '.join(KEYS)})")
    name = s.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        raise Refused(f"layer name “{str(name)[:40]}”: use 1-16 letters and digits, starting with a letter")
    need, may = KEYS[s["type"]]
    if not need <= set(s) or not set(s) <= need | may | {"type", "name", "params"}:
        raise Refused(f"layer {name}: a {s['type']} layer has {sorted(need)} and may have {sorted(may)}")
    if "activation" in s and s["activation"] not in (*activations.ACTIVATIONS, "softmax"):
        raise Refused(f"layer {name}: unknown activation {str(s['activation'])[:40]!r} "
                      f"(known: {', '.join((*activations.ACTIVATIONS, 'softmax'))})")
    return name


def costs(layers, input_shape):
    """Walk the shapes (specs already checked by `manifest`). -> (params, MACs) per image;
    refuses a chain that does not fit together or passes a cap."""
    shape, params, macs = tuple(input_shape), 0, 0
    for s in layers:
        shape, p, m, held = step(s, shape)
        params, macs = params + p, macs + m
        if held > MAX_VALUES:
            raise Refused(f"layer {s['name']} holds {held:,} values per image, the limit is {MAX_VALUES:,}")
    if params > MAX_PARAMS:
        raise Refused(f"{params:,} parameters, the limit is {MAX_PARAMS:,}")
    if macs > MAX_MACS:
        raise Refused(f"{macs:,} multiply-adds per drawing, the limit is {MAX_MACS:,} (9x the shipped cnn)")
    return params, macs


def step(s, shape):
    """One layer on an input shape -> (output shape, params, MACs, values held per image)."""
    kind, name = s["type"], s["name"]
    if kind == "dense":
        n_in, n_out = whole(s["in"], f"{name}.in"), whole(s["out"], f"{name}.out")
        if shape != (n_in,):
            raise Refused(f"layer {name} takes {n_in} inputs, the layer before gives {shape}")
        return (n_out,), n_in * n_out + n_out, n_in * n_out, n_out
    if len(shape) != 3:
        raise Refused(f"layer {name} ({kind}) needs an image (height, width, channels), gets {shape}")
    h, w, c = shape
    if kind == "flatten":
        return (h * w * c,), 0, 0, h * w * c
    if kind == "maxpool2d":
        k = whole(s.get("size", 2), f"{name}.size", 1, min(h, w))
        return (h // k, w // k, c), 0, h * w * c, h * w * c // (k * k)
    k = s["kernel"]
    kh, kw = (k, k) if type(k) is int else (tuple(k) if isinstance(k, list) and len(k) == 2 else (None, None))
    kh, kw = whole(kh, f"{name}.kernel", 1, h), whole(kw, f"{name}.kernel", 1, w)
    c_in, c_out = whole(s["in_channels"], f"{name}.in_channels"), whole(s["out_channels"], f"{name}.out_channels")
    if c_in != c:
        raise Refused(f"layer {name} takes {c_in} channels, the layer before gives {c}")
    ho, wo = h - kh + 1, w - kw + 1
    patches = ho * wo * kh * kw * c_in
    return (ho, wo, c_out), kh * kw * c_in * c_out + c_out, patches * c_out, max(patches, ho * wo * c_out)


def read_npz(data, expected):
    """data: npz bytes; expected {"layer.key": shape}. -> {"layer.key": float32 array}.

    The zip directory and each .npy header are checked before anything is unpacked, so a
    zip bomb or a header claiming a billion values costs nothing."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as e:
        raise Refused(f"cannot read the arrays (truncated or not an npz: {e})") from None
    found = {i.filename[:-4]: i for i in infos if i.filename.endswith(".npy")}
    for name in expected:
        if name not in found:
            raise Refused(f"array {name!r} is missing")
    extra = sorted(i.filename for i in infos if i.filename[:-4] not in expected)
    if extra or len(infos) != len(expected):
        raise Refused(f"unexpected arrays {[e[:40] for e in extra[:5]] or 'listed twice'}")
    arrays = {}
    for name, shape in expected.items():
        arrays[name] = entry(z, found[name], name, tuple(shape))
    return arrays


def entry(z, info, name, shape):
    """One zip entry -> its (shape) float32 array, checked from the directory inwards."""
    n = int(np.prod(shape))
    if info.file_size > 4 * n + NPY_HEADER:
        raise Refused(f"{name} unpacks to {info.file_size:,} bytes, {shape} needs {4 * n:,}")
    try:
        with z.open(info) as f:
            version = np.lib.format.read_magic(f)
            read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in read:
                raise Refused(f"{name}: .npy version {version} is not read here")
            got, fortran, dtype = read[version](f, max_header_size=NPY_HEADER)
            if dtype != np.dtype("<f4"):
                raise Refused(f"{name} is {dtype}, expected float32")
            if tuple(got) != shape or fortran:
                raise Refused(f"{name} has shape {tuple(got)}, the manifest says {shape}")
            a = np.empty(shape, np.float32)
            if f.readinto(memoryview(a).cast("B")) != 4 * n or f.read(1):
                raise Refused(f"{name}: the array's bytes do not match its header")
    except (zipfile.BadZipFile, ValueError, EOFError, OSError, SyntaxError) as e:
        if isinstance(e, Refused):
            raise
        raise Refused(f"cannot read the arrays ({name}: {e})") from None
    return a
