"""Browser-facing code. Only `bridge` imports `js`/`pyodide`; importing this package does not."""
