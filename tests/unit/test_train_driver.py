"""The per-frame training driver (digitlab.driver): time budget, sliced evaluation on frozen
weights, divergence caught with the last good weights restored."""

import numpy as np
import pytest

from digitlab import models
from digitlab.core.train import Trainer, TrainConfig
from digitlab.driver import FrameDriver, explain


class FakeClock:
    """Seconds that move only when work is done: each trainer step costs `step`, each
    evaluated image `per_image`, so budgets are tested exactly and independent of the machine."""

    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def blobs(n, seed):
    """A learnable toy task: digit d lights up rows 2d..2d+2 of a 28x28 image, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    X = rng.random((n, 28, 28), dtype=np.float32) * 0.3
    for d in range(10):
        X[y == d, 2 * d:2 * d + 3, :] += 0.7
    return X, y


def make(lr=2e-3, optimizer="adam", clock=None, step_cost=0.002, per_image=0.0, n_test=300, **kw):
    X, y = blobs(600, 0)
    Xt, yt = blobs(n_test, 1)
    net = models.mlp((16,), seed=0)
    trainer = Trainer(net, X, y, TrainConfig(optimizer=optimizer, lr=lr, batch_size=32, augment=False,
                                             schedule="constant"))
    clock = clock or FakeClock()
    step = trainer.step

    def timed_step(batch=None):
        clock.t += step_cost
        return step(batch)
    trainer.step = timed_step
    driver = FrameDriver(trainer, Xt, yt, clock=clock, **kw)
    forward = driver._eval_slice

    def timed_slice():
        clock.t += per_image * driver.eval_chunk
        forward()
    driver._eval_slice = timed_slice
    return driver, clock


def test_the_budget_bounds_the_steps_and_one_step_always_happens():
    tick = 2.0 ** -9                                  # binary-exact, so 5 ticks fit 5 ticks
    driver, _ = make(step_cost=tick, eval_every=10**9)
    driver.next_eval = None                           # training only
    driver.run(5 * tick)                              # the first call learns the cost
    rep = driver.run(5 * tick)
    assert rep.steps == 5 and rep.seconds == 5 * tick
    slow, _ = make(step_cost=0.050)
    slow.next_eval = None
    assert slow.run(0.010).steps == 1                 # a step costlier than the frame still runs
    assert slow.run(0.010).steps == 1


def test_an_evaluation_is_sliced_one_chunk_per_frame_on_frozen_weights():
    driver, clock = make(step_cost=0.001, per_image=0.00001, eval_chunk=100, n_test=300)
    frozen = driver.net.copy()
    reports = [driver.run(0.004) for _ in range(3)]   # 300 test images, 100 per frame
    assert [len(r.test) for r in reports] == [0, 0, 1]
    assert all(r.steps >= 1 for r in reports)         # training went on between the slices
    point = reports[-1].test[0]
    assert point.iteration == 0
    probs = frozen.predict_proba(driver.X_test)
    assert point.accuracy == pytest.approx(float((probs.argmax(1) == driver.y_test).mean()))
    assert point.loss == pytest.approx(frozen.loss(frozen.forward(driver.X_test), driver.y_test), rel=1e-5)


def test_evaluations_come_early_then_every_eval_every_steps():
    driver, _ = make(eval_every=100, eval_chunk=1000)
    for _ in range(120):
        driver.run(0.010, max_steps=4)
    its = [p.iteration for p in driver.test_points]
    # the fake clock makes the run exact: 120 frames of 4 steps reach iteration 480, so the last
    # evaluation falls on 400; the early ones come at 25 and 50, then every 100 from 100
    assert driver.iteration == 480
    assert its == [0, 25, 50, 100, 200, 300, 400], its


def test_it_learns_and_logs_train_points():
    driver, _ = make(eval_every=50, eval_chunk=1000)
    for _ in range(60):
        driver.run(0.010)
    assert driver.iteration >= 200
    first, last = driver.test_points[0], driver.test_points[-1]
    assert first.accuracy < 0.5 < 0.9 < last.accuracy, (first, last)
    assert last.loss < first.loss
    its = [p.iteration for p in driver.train_points]
    assert its == list(range(10, 10 * len(its) + 1, 10))


def test_a_huge_learning_rate_diverges_and_the_good_weights_come_back():
    driver, _ = make(lr=10.0, eval_every=10**9)
    start = {k: {n: v.copy() for n, v in p.items()} for k, p in driver.net.params.items()}
    for _ in range(50):
        rep = driver.run(0.010)
        if rep.diverged:
            break
    assert rep.diverged and rep.diverged["reason"] in ("nan", "explode"), rep.diverged
    assert rep.diverged["restored"] == 0 and "learning rate (10)" in explain(rep.diverged)
    for layer, p in start.items():                    # it blew up before any copy was confirmed
        for key, w in p.items():
            np.testing.assert_array_equal(driver.net.params[layer][key], w)
    assert np.isfinite(driver.net.predict_proba(driver.X_test[:5])).all()
    assert driver.run(0.010).steps == 0               # stays stopped until told to resume
    driver.resume()
    driver.trainer.cfg.lr = 1e-3
    assert driver.run(0.010).steps >= 1 and driver.diverged is None


def test_nan_weights_are_caught_and_replaced_by_the_last_confirmed_copy():
    driver, _ = make(keep_every=5, eval_every=10**9)
    for _ in range(10):
        driver.run(0.010)
    good = {k: {n: v.copy() for n, v in p.items()} for k, p in driver.good.items()}
    assert not np.array_equal(good["h1"]["W"], make()[0].net.params["h1"]["W"])   # a later copy
    driver.net.params["h1"]["W"][3, 4] = np.nan
    rep = driver.run(0.010)
    assert rep.diverged and rep.diverged["reason"] == "nan", rep.diverged
    assert rep.diverged["restored"] == driver.good_iteration > 0
    np.testing.assert_array_equal(driver.net.params["h1"]["W"], good["h1"]["W"])
    assert driver.trainer.opt.__class__.__name__ == "Adam" and driver.trainer.opt.t == 0   # fresh state


def test_step_once_does_one_step_and_finishes_a_due_evaluation():
    driver, _ = make(eval_chunk=50, n_test=300)
    rep = driver.step_once()
    assert rep.steps == 1 and driver.iteration == 1
    assert [p.iteration for p in rep.test] == [1]     # the one due (from iteration 0), whole
    assert driver.step_once().test == []


def test_evaluate_now_matches_a_plain_forward():
    driver, _ = make()
    point = driver.evaluate_now()
    probs = driver.net.predict_proba(driver.X_test)
    assert point.accuracy == pytest.approx(float((probs.argmax(1) == driver.y_test).mean()))


# ---- the page's session around the driver (digitlab.train_session) -------------

def session_with_data():
    import io
    from digitlab.train_session import Session
    X, y = blobs(400, 2)
    Xt, yt = blobs(100, 3)
    buf = io.BytesIO()
    np.savez_compressed(buf, x_train=(X.clip(0, 1) * 255).astype(np.uint8), y_train=y.astype(np.uint8),
                        x_test=(Xt.clip(0, 1) * 255).astype(np.uint8), y_test=yt.astype(np.uint8))
    s = Session()
    assert s.load(buf.getvalue()) == {"train": 400, "test": 100}
    return s


def test_layers_are_parsed_and_bounded():
    from digitlab.train_session import SetupError, parse_layers
    assert parse_layers("64") == (64,) and parse_layers(" 128, 64 ") == (128, 64)
    for bad in ("", "0", "257", "64,a", "1,2,3,4,5", "-3"):
        with pytest.raises(SetupError):
            parse_layers(bad)


def test_architecture_changes_wait_for_reset_once_trained():
    s = session_with_data()
    assert s.configure({"layers": "16"})["rebuilt"]                  # untrained: at once
    assert s.net.params["h1"]["W"].shape == (784, 16)
    s.driver.step_once()
    done = s.configure({"layers": "8,8", "lr": 0.01, "optimizer": "sgd"})
    assert done == {"rebuilt": False, "pending": True}
    assert s.driver.trainer.cfg.lr == 0.01 and type(s.driver.trainer.opt).__name__ == "SGD"
    assert s.net.params["h1"]["W"].shape == (784, 16)                # still the running network
    s.reset()
    assert s.net.params["h2"]["W"].shape == (8, 8) and not s.pending and s.arch() == "784-8-8-10"


def test_a_digit_subset_limits_train_and_test_and_personal_drawings_join():
    s = session_with_data()
    s.configure({"digits": [1, 2, 3]})
    assert set(s.driver.trainer.y.tolist()) <= {1, 2, 3} and set(s.driver.y_test.tolist()) <= {1, 2, 3}
    n = len(s.driver.trainer.y)
    mine = [{"pixels": [255] * 784, "label": 2}, {"pixels": [0] * 784, "label": 7}]
    assert s.set_personal(mine) == 2
    assert len(s.driver.trainer.y) == n + 1                          # the 7 is outside the subset
    assert s.driver.trainer.X[-1].max() == 1.0 and s.driver.trainer.y[-1] == 2
