"""The page's own App (digitlab.app) for the unit tests, with what it tells the page recorded."""

import numpy as np
import pytest

from digitlab import data
from digitlab.app import PAD, App


@pytest.fixture
def heard():
    """What an `app` told the page: faults [(name, problem, fallback)], rollbacks [detail dicts]."""
    return {"faults": [], "rollbacks": []}


@pytest.fixture
def app(heard):
    """A fresh App on the shipped weights in weights/, as bridge.main makes it, minus the browser."""
    return App(on_fault=lambda *fault: heard["faults"].append(fault), on_rollback=heard["rollbacks"].append)


@pytest.fixture(scope="session")
def mnist_test():
    """MNIST's test set: X (10000, 28, 28) uint8, y (10000,) uint8."""
    return data.load("test")


def blown_up(digit):
    """(28, 28) uint8 -> (PAD, PAD) uint8: each pixel a 10 x 10 block, as if drawn on the pad."""
    return np.kron(digit, np.ones((PAD // 28, PAD // 28), np.uint8))


@pytest.fixture(scope="session")
def seven(mnist_test):
    """The pad with MNIST test image 0 (a 7) drawn over all of it: (PAD, PAD) uint8."""
    return blown_up(mnist_test[0][0])
