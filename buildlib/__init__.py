"""Helpers for build.py. Standard library only, except `samples.py`, which runs in the project venv."""
