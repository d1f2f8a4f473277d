"""What an image file is and how big, from its first bytes, before the browser decodes it.

Standard library only. The page sends a file's first HEAD_BYTES; the answer says whether it is
an image at all and how many pixels decoding it would make, so a text file or a decompression
bomb is refused before a single pixel exists, and a big photo is decoded straight to the
size the reader wants (photo.MAX_SIDE).
"""

import struct

HEAD_BYTES = 65536          # enough for a JPEG's frame header behind its EXIF thumbnail, usually
MAX_FILE_BYTES = 64 << 20   # bigger files are refused unread
MAX_PIXELS = 100_000_000    # bigger images are refused undecoded (50 MP photos are read)


def _png(b):
    if b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR" and len(b) >= 24:
        return struct.unpack(">II", b[16:24])
    return None


def _gif(b):
    if b[:6] in (b"GIF87a", b"GIF89a") and len(b) >= 10:
        return struct.unpack("<HH", b[6:10])
    return None


def _bmp(b):
    if b[:2] == b"BM" and len(b) >= 26:
        w, h = struct.unpack("<ii", b[18:26])
        return abs(w), abs(h)
    return None


def _webp(b):
    if b[:4] != b"RIFF" or b[8:12] != b"WEBP" or len(b) < 30:
        return None
    kind = b[12:16]
    if kind == b"VP8X":
        return 1 + int.from_bytes(b[24:27], "little"), 1 + int.from_bytes(b[27:30], "little")
    if kind == b"VP8L":
        bits = int.from_bytes(b[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if kind == b"VP8 ":
        w, h = struct.unpack("<HH", b[26:30])
        return w & 0x3FFF, h & 0x3FFF
    return None


def exif_orientation(app1):
    """An APP1 segment's body -> its EXIF orientation tag (1..8), or 1 when it has none."""
    if app1[:6] != b"Exif\0\0" or len(app1) < 14:
        return 1
    tiff = app1[6:]
    end = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if end is None:
        return 1
    ifd = struct.unpack(end + "I", tiff[4:8])[0]
    if ifd + 2 > len(tiff):
        return 1
    for k in range(struct.unpack(end + "H", tiff[ifd:ifd + 2])[0]):
        entry = tiff[ifd + 2 + 12 * k: ifd + 14 + 12 * k]
        if len(entry) == 12 and struct.unpack(end + "H", entry[:2])[0] == 0x0112:
            return struct.unpack(end + "H", entry[8:10])[0]
    return 1


def _jpeg(b):
    """Walk the JPEG's marker segments to its frame header (SOF0..SOF15 but DHT, JPG, DAC). The
    size is as displayed: EXIF orientations 5..8 (a phone held upright) swap width and height,
    as the browser's decoder does when it applies them."""
    if b[:2] != b"\xff\xd8":
        return None
    i, orientation = 2, 1
    while i + 9 <= len(b):
        if b[i] != 0xFF:
            return None
        marker = b[i + 1]
        if marker == 0xFF:                    # fill byte
            i += 1
            continue
        length = struct.unpack(">H", b[i + 2:i + 4])[0]
        if marker == 0xE1:
            orientation = exif_orientation(b[i + 4:i + 2 + length])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", b[i + 5:i + 9])
            return (h, w) if orientation in (5, 6, 7, 8) else (w, h)
        i += 2 + length
    return None


SNIFFERS = {"png": _png, "jpeg": _jpeg, "gif": _gif, "bmp": _bmp, "webp": _webp}


def sniff(head):
    """head: a file's first bytes -> (format, width, height); format None when no known image
    header is there (width and height 0 then)."""
    b = bytes(head)
    for name, fn in SNIFFERS.items():
        size = fn(b)
        if size is not None:
            return name, int(size[0]), int(size[1])
    return None, 0, 0


def fit(width, height, side):
    """The size (w, h) that fits width x height within side x side keeping its aspect, never
    enlarged, each >= 1."""
    k = min(1.0, side / max(width, height, 1))
    return max(1, round(width * k)), max(1, round(height * k))


def check(head, file_bytes, mime, side):
    """Everything the page asks before decoding a file -> {problem, format, width, height,
    decode_width, decode_height}. problem: None, "not-image", "too-big-file", "too-many-pixels"
    or "empty-image". A header this module does not know (HEIC, AVIF, ...) with an image MIME type
    is left to the browser: format None, sizes 0."""
    fmt, w, h = sniff(head)
    out = {"problem": None, "format": fmt, "width": w, "height": h, "decode_width": 0, "decode_height": 0}
    if file_bytes > MAX_FILE_BYTES:
        out["problem"] = "too-big-file"
    elif fmt is None and not str(mime).startswith("image/"):
        out["problem"] = "not-image"
    elif fmt is not None and (w == 0 or h == 0):
        out["problem"] = "empty-image"
    elif w * h > MAX_PIXELS:
        out["problem"] = "too-many-pixels"
    elif fmt is not None:
        out["decode_width"], out["decode_height"] = fit(w, h, side)
    return out
