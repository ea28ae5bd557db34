"""The tools refuse what would hurt: export_html never deletes a folder it did not make, typos are errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, load_tool

export_html = load_tool("export_html")


def test_export_refuses_a_folder_it_did_not_make(tmp_path):
    keep = tmp_path / "mine.txt"
    keep.write_text("precious")
    with pytest.raises(SystemExit, match="refusing to replace"):
        export_html._clear(tmp_path)
    assert keep.read_text() == "precious"


def test_export_refuses_the_checkout_from_the_command_line():
    before = sorted(p.name for p in ROOT.iterdir())
    run = subprocess.run([sys.executable, "tools/export_html.py", "."], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode != 0 and "refusing to replace" in run.stderr
    assert sorted(p.name for p in ROOT.iterdir()) == before


def test_export_refuses_a_file(tmp_path):
    target = tmp_path / "page.html"
    target.write_text("x")
    with pytest.raises(SystemExit, match="is a file"):
        export_html._clear(target)
    assert target.read_text() == "x"


def test_export_replaces_its_own_earlier_output_and_accepts_empty_folders(tmp_path):
    export_html._clear(tmp_path)  # empty: nothing to do, nothing raised
    made = tmp_path / "out"
    made.mkdir()
    (made / export_html.MARKER).write_text("")
    (made / "old.html").write_text("old")
    export_html._clear(made)
    assert not made.exists()


@pytest.mark.parametrize("tool, args", [
    ("navigation", ["--chek"]),
    ("crosslinks", ["--chek"]),
    ("lab", ["--port", "8888", "--public"]),
    ("export_html", ["--output", "x"]),
    ("run_notebooks", ["notebooks/00_start_here.ipynb", "--all"]),
    ("share_links", ["jane/x", "--hub", "https://h"]),
])
def test_unknown_options_are_refused_before_anything_is_written(tool, args, capsys):
    with pytest.raises(SystemExit) as stop:
        load_tool(tool).main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "unrecognized arguments" in err


def test_navigation_check_writes_nothing(tmp_path, monkeypatch):
    navigation = load_tool("navigation")
    written = []
    monkeypatch.setattr(navigation.Path, "write_text", lambda self, *a, **k: written.append(self))
    navigation.main(["--check"])
    assert written == []
