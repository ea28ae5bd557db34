"""`make reset` restores the course's notebooks and keeps a learner's own ones."""

import shutil
import subprocess

import pytest
from conftest import ROOT


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")
def test_make_reset_restores_course_notebooks(tmp_path):
    clone = tmp_path / "course"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    start = clone / "notebooks" / "00_start_here.ipynb"
    original = start.read_text()
    start.write_text("edited in class")
    own = clone / "notebooks" / "my_notes.ipynb"
    own.write_text("{}")
    (clone / "notebooks" / ".ipynb_checkpoints").mkdir()
    subprocess.run(["make", "-s", "reset"], cwd=clone, check=True, capture_output=True)
    assert start.read_text() == original
    assert own.exists()
    assert not (clone / "notebooks" / ".ipynb_checkpoints").exists()
