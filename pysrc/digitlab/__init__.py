"""Digit Lab: a small NumPy neural-network lab that runs in CPython and in Pyodide.

`digitlab.core` is the maths (numpy only). `preprocess`, `weights`, `models` and
`viewmodel` are browser-safe too; `data` and the CLI are offline-only.
"""

__version__ = "0.1.0"
