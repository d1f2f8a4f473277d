"""Numbers the Python side and the page share, said once. Standard library only, so any module
(web/checks.py, which digitlab.app itself imports, and sharelink.py) can import it without
pulling in the app.
"""

PAD = 280   # side of the pad's offscreen copy, px (site/js/pad.js SIZE): app.pad is PAD * PAD uint8
