"""`make reset` restores the course's notebooks, backs up edits first, and keeps a learner's own notebooks."""

import shutil
import subprocess

import pytest
from conftest import ROOT


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None, reason="needs git and make")
def test_make_reset_restores_course_notebooks_and_keeps_a_backup(tmp_path):
    clone = tmp_path / "course"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True)
    shutil.copy(ROOT / "Makefile", clone / "Makefile")  # the Makefile under test, even before it is committed
    subprocess.run(["git", "update-index", "--assume-unchanged", "Makefile"], cwd=clone, check=True)
    start = clone / "notebooks" / "00_start_here.ipynb"
    original = start.read_text()
    start.write_text("edited in class")
    own = clone / "notebooks" / "my_notes.ipynb"
    own.write_text("{}")
    (clone / "notebooks" / ".ipynb_checkpoints").mkdir()
    out = subprocess.run(["make", "-s", "reset"], cwd=clone, check=True, capture_output=True, text=True).stdout
    assert start.read_text() == original
    assert own.exists()
    assert not (clone / "notebooks" / ".ipynb_checkpoints").exists()
    backups = list((clone / "backups").glob("*/00_start_here.ipynb"))
    assert len(backups) == 1 and backups[0].read_text() == "edited in class"
    assert "backups/" in out
    again = subprocess.run(["make", "-s", "reset"], cwd=clone, check=True, capture_output=True, text=True).stdout
    assert "backups/" not in again  # nothing edited, nothing copied
