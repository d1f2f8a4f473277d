"""Training in the page: the functions site/js/train.js calls, and the link-flash hook.

    train.data {npz}              the shipped subset's bytes (fetched when the panel opens)
    train.config {settings}       set-up changes (see digitlab.train_session); installs "trained" if rebuilt;
                                  a set-up that cannot be built -> {error: key, params, message}, nothing changed
    train.reset {}                new random weights; installs "trained"
    train.run {budget_ms}         one animation frame's worth of training (FrameDriver.run)
    train.step {detail}           one step; detail: per-layer numbers for the slow-motion view
    train.resume {}               clear a divergence (the panel lowers the learning rate first)
    train.sample {}               the pad as the network reads it: 784 uint8, or None if blank
    train.personal {samples}      the personal set (localStorage), added to the training data
    train.learn {pixels, label}   one visible step on one drawing: probabilities before and after

The network is installed with `app.put("trained", net)` once per set-up; training changes its
arrays in place, so every later update of the drawing uses the current weights. Each app has
its own run (`Training`, kept by registry.state).
"""

import numpy as np

from ... import constants, preprocess
from ...app import PAD
from ...train_session import Session, SetupError
from ..registry import handler, on_result, state

NAME = constants.TRAINED
FLASHED = 10          # links flashed per update: those whose weight moved most since the last one


class Training:
    """Per app: the training run, and each layer's W at the last update of "trained" (the flash)."""

    def __init__(self):
        self.session = Session()
        self.seen = {}            # layer name -> W (copy)


def training(app):
    return state(app, "train", Training)


def session(app):
    """This app's train_session.Session."""
    return training(app).session


def _install(app):
    s = session(app)
    app.put(NAME, s.net)
    training(app).seen.clear()
    out = {"name": NAME, "arch": s.arch(), "params": s.net.n_params(), **status(s)}
    out["test_points"] = [[p.iteration, p.loss, p.accuracy] for p in s.driver.test_points]
    return out


def status(s, rep=None):
    """The numbers the panel shows for Session s. rep: a driver Report (new chart points) or None."""
    d = s.driver
    if d is None:
        return {"ready": False}
    tr = d.trainer
    last = d.test_points[-1] if d.test_points else None
    out = {"ready": True, "iter": d.iteration, "epoch": tr.epoch, "lr": tr.cfg.lr,
           "test_acc": last.accuracy if last else None, "test_loss": last.loss if last else None,
           "pending": s.pending, "diverged": d.diverged, "n_train": len(tr.y), "n_test": len(d.y_test),
           "train_points": [], "test_points": []}
    if rep is not None:
        out["steps"], out["ms"] = rep.steps, rep.seconds * 1e3
        out["train_points"] = [[p.iteration, p.loss, p.accuracy] for p in rep.train]
        out["test_points"] = [[p.iteration, p.loss, p.accuracy] for p in rep.test]
        if rep.last is not None:
            out.update(loss=rep.last.loss, batch_acc=rep.last.accuracy, grad_norm=rep.last.grad_norm)
    return out


@handler("train.data")
def data(app, npz):
    return session(app).load(npz.to_bytes() if hasattr(npz, "to_bytes") else npz)


@handler("train.config")
def config(app, **settings):
    s = session(app)
    try:
        done = s.configure(settings)
    except SetupError as e:
        return {"error": e.key, "params": e.params, "message": str(e), **status(s)}
    if done["rebuilt"]:
        s.driver.evaluate_now()
        return {**done, **_install(app)}
    return {**done, **status(s)}


@handler("train.reset")
def reset(app):
    s = session(app)
    s.reset()
    s.driver.evaluate_now()
    return _install(app)


@handler("train.run")
def run(app, budget_ms=8.0):
    s = session(app)
    return status(s, s.driver.run(float(budget_ms) / 1e3))


@handler("train.resume")
def resume(app):
    s = session(app)
    s.driver.resume()
    return status(s)


@handler("train.step")
def step(app, detail=False):
    """One step. With detail, also per layer (input first): mean |activation| on the batch,
    the gradient's norm and the relative weight change, for the slow-motion animation."""
    s = session(app)
    d = s.driver
    batch = d.trainer.next_batch()
    before = {k: p["W"].copy() for k, p in s.net.params.items()}
    layers = _layer_numbers(s, batch) if detail else None
    out = status(s, d.step_once(batch))
    if layers:
        for row in layers[1:]:
            if row["id"] not in before:
                row["change"] = 0.0
                continue
            W = s.net.params[row["id"]]["W"]
            row["change"] = float(np.linalg.norm(W - before[row["id"]]) / (np.linalg.norm(before[row["id"]]) + 1e-12))
    out["layers"] = layers
    return out


def _layer_numbers(s, batch):
    net, cfg = s.net, s.driver.trainer.cfg
    Xb, yb = batch
    with np.errstate(all="ignore"):
        trace = net.forward(Xb)
        grads, _ = net.grads_and_loss(trace, yb, cfg.loss)
    rows = [{"id": "in", "act": float(np.abs(trace.x).mean()), "grad": 0.0}]
    for rec in trace.layers:
        g = grads.get(rec.name, {}).get("W")          # pool and flatten layers have no weights
        rows.append({"id": rec.name, "act": float(np.abs(rec.a).mean()), "weights": g is not None,
                     "grad": 0.0 if g is None else float(np.linalg.norm(g))})
    return rows


@handler("train.sample")
def sample(app):
    """The current drawing as the network reads it, as 0-255 bytes (what the personal set keeps)."""
    x = preprocess.to_mnist(app.pad.reshape(PAD, PAD))
    if not x.any():
        return {"pixels": None}
    return {"pixels": np.rint(x * 255).astype(np.uint8).reshape(-1)}


@handler("train.personal")
def personal(app, samples=()):
    s = session(app)
    return {"count": s.set_personal(list(samples)), **status(s)}


@handler("train.learn")
def learn(app, pixels, label):
    """One step of the current optimiser on this one drawing."""
    x = np.asarray(pixels, np.float32).reshape(1, 28, 28) / np.float32(255)
    y = np.array([int(label)])
    s = session(app)
    s.driver.resume()                                # asked for explicitly: after a divergence too
    before = s.net.predict_proba(x)[0].astype(np.float64)
    out = status(s, s.driver.step_once((x, y)))
    out["before"], out["after"] = before, s.net.predict_proba(x)[0].astype(np.float64)
    return out


@on_result
def flash(app, name, img, x, trace, out):
    """For the drawn links of "trained": the FLASHED whose weight changed most since the last
    update, as out["train_flash"] = [link ids] (empty when nothing moved)."""
    view, t = out.get("view"), training(app)
    if name != NAME or t.session.net is None or view is None or not view["links"]["id"]:
        return
    ids = view["links"]["id"]
    moved = weight_moves(t.session.net.params, t.seen, ids)
    for layer, p in t.session.net.params.items():
        t.seen[layer] = p["W"].copy()
    top = np.argsort(-moved)[:FLASHED]
    out["train_flash"] = [ids[k] for k in top if moved[k] > 0]


def weight_moves(params, seen, ids):
    """|W now - W seen| of each link id "h1:17>out:3" (W of out, row 17, column 3); 0 for a
    layer not seen yet. params, seen: layer -> W (n_in, n_out). -> (len(ids),) float64."""
    moved = np.zeros(len(ids))
    for k, lid in enumerate(ids):
        src, dst = lid.split(">")
        layer, j = dst.split(":")
        old = seen.get(layer)
        if old is not None:
            i = int(src.split(":")[1])
            moved[k] = abs(float(params[layer]["W"][i, int(j)] - old[i, int(j)]))
    return moved
