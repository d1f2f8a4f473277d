"""The learning-rate explorer's page functions: start a sweep, then advance it in time-boxed
slices (one per animation frame, so the page never freezes), then fill the loss landscape.

    lr.start {rates?, steps?}      -> report     a fresh sweep (the same starting weights per rate)
    lr.work {budget_ms}            -> report     train, then the landscape, for about budget_ms
    lr.landscape {run}             -> report     the landscape around another (calm) run

report = {phase: "train" | "landscape" | "done", steps, runs: [{lr, losses (T,) float64, start,
final, diverged, diverged_at, blowup, verdict}], landscape: {...} or None}; lr.start adds the
training points {X (n*2,), y (n,)}. The maths
is in digitlab.lr_sweep; this file only keeps the state and the clock.
"""

import math
import time

import numpy as np

from ...lr_sweep import RATES, STEPS, Landscape, Sweep
from ..registry import handler, state

MAX_STEPS = 1000


class Explorer:
    """Per app: the sweep, its landscape (None until the sweep is done) and the run asked for."""

    def __init__(self):
        self.sweep = self.land = self.want = None


@handler("lr.start")
def start(app, rates=None, steps=STEPS):
    rates = [float(r) for r in (rates or RATES) if 0 < float(r) < 1e3][:8] or list(RATES)
    sweep = Sweep(rates, max(10, min(int(steps), MAX_STEPS)))
    st = state(app, "lr", Explorer)
    st.sweep, st.land, st.want = sweep, None, None
    return {**report(app), "points": {"X": sweep.X.reshape(-1).astype(np.float64), "y": sweep.y.astype(np.int32)}}


@handler("lr.work")
def work(app, budget_ms=8.0):
    """Run steps for about budget_ms (1..50 ms): the sweep first, then landscape rows.
    One step or one landscape cell at a time, so a call overruns the budget by one small piece
    at most. The report's `did` says what this call did: {steps, cells, ms}."""
    st = _get(app)
    sweep, t0 = st.sweep, time.perf_counter()
    end, steps, cells = t0 + min(max(float(budget_ms), 1.0), 50.0) / 1e3, 0, 0
    while time.perf_counter() < end:
        if not sweep.done:
            sweep.advance()
            steps += 1
            continue
        land = st.land
        if land is None:
            land = st.land = Landscape(sweep, _landscape_run(st))
        if land.done:
            break
        land.advance()
        cells += 1
    did = {"steps": steps, "cells": cells, "ms": (time.perf_counter() - t0) * 1e3}
    return {**report(app), "did": did}


@handler("lr.landscape")
def landscape(app, run=0):
    """Show the plane around run `run` instead (a calm one; diverged runs have no landscape)."""
    st = _get(app)
    st.want, st.land = int(run), None
    return report(app)


def _get(app):
    """This app's Explorer, with a sweep started if none is."""
    st = state(app, "lr", Explorer)
    if st.sweep is None:
        start(app)
    return st


def _landscape_run(st):
    """The run asked for if it is calm, else the fastest one."""
    sweep, verdicts = st.sweep, st.sweep.verdicts()
    calm = [i for i, v in enumerate(verdicts) if v != "diverged"]
    if st.want in calm:
        return st.want
    return verdicts.index("fastest") if "fastest" in verdicts else (calm or [0])[0]


def report(app):
    """The whole state as plain values (small: 5 × 300 losses and a 21 × 21 grid)."""
    st = _get(app)
    sweep, land = st.sweep, st.land
    verdicts = sweep.verdicts() if sweep.done else [None] * len(sweep.runs)
    runs = []
    for r, verdict in zip(sweep.runs, verdicts):
        finite = [v for v in r.losses if math.isfinite(v)]   # math: numpy per scalar is slow in Pyodide
        runs.append({"lr": r.lr, "losses": np.asarray(r.losses, np.float64),
                     "start": float(r.losses[0]) if r.losses else None,
                     "final": float(finite[-1]) if finite else None,
                     "diverged": bool(r.losses) and r.diverged(), "diverged_at": r.diverged_at() if r.losses else None,
                     "blowup": r.blowup, "verdict": verdict})
    phase = "train" if not sweep.done else ("done" if land is not None and land.done else "landscape")
    return {"phase": phase, "steps": sweep.steps, "runs": runs,
            "landscape": _land_report(land) if land is not None else None}


def _land_report(land):
    return {"run": land.index, "lr": land.run.lr, "n": land.n, "rows": land.rows,
            "alpha": land.alpha.astype(np.float64), "beta": land.beta.astype(np.float64),
            "grid": land.grid.reshape(-1).astype(np.float64),
            "path": land.coords.reshape(-1).astype(np.float64), "explained": land.explained,
            "centre_loss": land.centre_loss() if land.done else None}
