"""Four real handwritten digits (MNIST test images 0-3: a 7, a 2, a 1 and a 0) and a fully inked
square, to try a network from outside on before it is installed (`weights.probe`).

A zero input (all a network was tried on before) leaves every weight out of the sum, so huge
weights passed; real strokes and full ink reach them. Stored packed (zlib, base64: 836
characters); tests/unit/test_import.py checks they are MNIST's own test images.
"""

import base64
import zlib

import numpy as np

LABELS = (7, 2, 1, 0)
_PACKED = (
    "eNrt1l9IU1EYAPAbsqgpQbpFe9kGyyiqp/Zito3cQ5NaUAY9Rc8VC7QW6a2wh4pAlzC4PvSwh0paouwhBlH2Eg1brFAIS50V"
    "2UypyIo2PX3f7ew6c957vuei+h7uDvzud3b+nytJf0scvBvr3rlBbBPIYzZVitvucvO3BFquv8U3/I35d4gdhuS1DWv8fn+9"
    "9QMeo/67CYaqCVo3rTZRaRfw01aC6ufQS6VdxHsmglZnCjuotPOYpGgP+1xHUE0WewiqeIJjLsI2IgYJcrzGkyvIrqGbIM8X"
    "2loRxzaR9qz6T1mjp871qqpyWERx0GLULqbnkQRAm4Hc8zDsrJJWPgXjug2yYRv/aSvALsEkaGMyBCLTIpyHlFlMe/Mw5SPS"
    "2gG6CEp8h1iVmGwzME2tpBRAJ0H7CjBA1FgzSKddAugj0qQCgE2ibYuFh0kyWSy1iqJEzeWmxa2rPaWS/Mv6YSnm8vl4OFy2"
    "2U7LslxMuSbLm6X/YTxHQqQd+nGAtMuzJG37ptCXCPpIS7+qpMiJL8i0I/iQtA7ykJTqPmZWUXZWvUlW2Yv7KVr/foRMO4Mx"
    "0roxQtokNlDkYbR1YqaCIPMItlJpplTC/O/uhUoF0g7CahmD42KyPiLtxAPGLR4SfWoAKxpj49sNlFSLR9nMBH/oyZct5kWD"
    "3nbGjuo2yRSvbvwKn0BHjn1tNumbf9+iFUP8LZfOHpduRceg3pZa4EyrcGPZ5mJssWio8+WiWX28VTm70Lp4T7IeSWTJLLc7"
    "y/s3CtDYOAmgDY5uWJq1oVx4RPVXca5kuQGXYXV7Iwsmnr9AP+vbHbD/xjX5E6AWb/0="
)


def images():
    """-> (5, 784) float32 in [0, 1]: the four digits, then an all-ink image."""
    px = np.frombuffer(zlib.decompress(base64.b64decode("".join(_PACKED))), np.uint8)
    digits = px.reshape(len(LABELS), 784).astype(np.float32) / 255
    return np.vstack([digits, np.ones((1, 784), np.float32)])
