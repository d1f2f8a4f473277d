"""site/js/loop.js in Node against a fake display (tests/js/loop_frames.mjs): frames come only
when the test says so, so "at most one update per frame, the newest input wins" is checked
exactly. A headless browser draws frames on demand and cannot show this."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "js" / "loop_frames.mjs"


@pytest.fixture(scope="module")
def scenarios():
    node = shutil.which("node")
    assert node, "Node.js is needed (build.py test installs it)"
    out = subprocess.run([node, str(SCRIPT)], capture_output=True, text=True, timeout=60, check=True)
    return {s["name"]: s for s in map(json.loads, out.stdout.splitlines())}


def test_a_burst_of_cheap_updates_runs_once_now_and_once_inside_the_frame(scenarios):
    s = scenarios["burst"]
    # now(1) runs at once; now(2) and now(3) in the same frame interval wait for that frame
    assert s["log"][:4] == [[1], [1], [1], [1]]
    # the update was cheap: inside the frame one more covers both, timed from the older input
    assert s["log"][4] == [1, 2] and s["runs"] == [1, 2]
    assert s["where"] == ["between", "frame"]


def test_a_burst_of_dear_updates_waits_until_the_frame_is_shown(scenarios):
    s = scenarios["burst-dear"]
    assert s["log"][:4] == [[1], [1], [1], [1]]
    # over CATCH_UP_MS: the frame carries the first update only; the next runs once it is shown
    assert s["log"][4] == [1, 2] and s["runs"] == [1, 2]
    assert s["where"] == ["between", "between"]


def test_one_input_per_frame_runs_each_at_once(scenarios):
    assert scenarios["steady"]["log"] == [[1], [1], [1, 2], [1, 2], [1, 2, 3], [1, 2, 3]]


def test_code_made_changes_wait_for_the_animation_frame(scenarios):
    s = scenarios["schedule"]
    assert s["log"][:3] == [[], [], []]           # nothing before the frame
    assert s["log"][3] == [1]                      # one update for two requests, in the frame
    assert s["runs"] == [1, 3]


def test_nothing_runs_before_python_is_ready_and_forget_drops_waiting_input(scenarios):
    assert scenarios["notready"]["runs"] == []
