"""One module per page instrument (inspector, Break It, training, …), found by the bridge.

Each module here is plain Python (numpy and digitlab, never `js`): it registers the functions the
page calls by name, and optional hooks that add to every update, through `digitlab.web.registry`.
The bridge imports every module in this folder at start-up, so adding an instrument never edits
the bridge.
"""
