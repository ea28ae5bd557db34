"""tools/share_links.py: Binder and nbgitpuller links, URL encoding, and refusal of bad input."""

import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import ROOT, load_tool

SCRIPT = ROOT / "tools/share_links.py"


share = load_tool("share_links")


def test_binder_link():
    assert share.binder_link("jane/dl-hardware") == (
        "https://mybinder.org/v2/gh/jane/dl-hardware/HEAD?urlpath=lab/tree/notebooks/00_start_here.ipynb"
    )


def test_binder_link_matches_the_readme_badge_pattern():
    readme = (ROOT / "README.md").read_text()
    assert share.binder_link("OWNER/REPO") in readme


def test_nbgitpuller_link_is_encoded():
    url = share.nbgitpuller_link("jane/dl-hardware", "https://hub.example.org/")
    assert url == (
        "https://hub.example.org/hub/user-redirect/git-pull"
        "?repo=https%3A%2F%2Fgithub.com%2Fjane%2Fdl-hardware&branch=main"
        "&urlpath=lab%2Ftree%2Fdl-hardware%2Fnotebooks%2F00_start_here.ipynb"
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.org", "/hub/user-redirect/git-pull")
    assert parse_qs(parts.query) == {
        "repo": ["https://github.com/jane/dl-hardware"],
        "branch": ["main"],
        "urlpath": ["lab/tree/dl-hardware/notebooks/00_start_here.ipynb"],
    }


def test_hub_with_a_path_keeps_it():
    url = share.nbgitpuller_link("jane/course.v2", "http://uni.example/jupyter")
    assert url.startswith("http://uni.example/jupyter/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com")
    assert parse_qs(urlsplit(url).query)["urlpath"] == ["lab/tree/course.v2/notebooks/00_start_here.ipynb"]


def test_tolerated_spellings():
    assert share.parse_repo(" jane/dl-hardware.git ") == ("jane", "dl-hardware")
    assert share.parse_repo("jane/dl-hardware/") == ("jane", "dl-hardware")


def test_links_without_and_with_hub():
    assert list(share.links("jane/x")) == ["Binder"]
    assert list(share.links("jane/x", "")) == ["Binder"]
    assert len(share.links("jane/x", "https://hub.example.org")) == 2


@pytest.mark.parametrize("repo, message", [
    ("", "empty"),
    ("   ", "empty"),
    ("jane", "owner/name"),
    ("jane/x/y", "owner/name"),
    ("https://github.com/jane/x", "owner/name"),
    ("/x", "owner"),
    ("jane/", "owner/name"),
    ("jane/a b", "repository name"),
    ("ja ne/x", "owner"),
    ("-jane/x", "owner"),
    ("jane/x&branch=evil", "repository name"),
    ("jane/..", "repository name"),
])
def test_bad_repo_is_refused(repo, message):
    with pytest.raises(ValueError, match=message):
        share.binder_link(repo)


@pytest.mark.parametrize("hub", [
    "hub.example.org", "ftp://hub.example.org", "javascript:alert(1)", "https://", "file:///etc",
    "https://hub.example.org/?next=x",
])
def test_bad_hub_is_refused(hub):
    with pytest.raises(ValueError, match="JupyterHub URL"):
        share.nbgitpuller_link("jane/x", hub)


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=30)


def test_command_line():
    ok = run("jane/dl-hardware", "https://hub.example.org")
    assert ok.returncode == 0, ok.stderr
    lines = ok.stdout.splitlines()
    assert lines[0].startswith("Binder: https://mybinder.org/v2/gh/jane/dl-hardware/HEAD?")
    assert lines[1].startswith("JupyterHub (nbgitpuller): https://hub.example.org/hub/user-redirect/git-pull?")
    assert run("jane/dl-hardware", "").stdout.count("\n") == 1


@pytest.mark.parametrize("args", [(), ("",), ("jane",), ("jane/x", "ftp://hub"), ("a/b", "https://h", "x")])
def test_command_line_refuses_bad_input(args):
    bad = run(*args)
    assert bad.returncode == 2 and bad.stdout == ""
    assert "usage:" in bad.stderr


def test_makefile_links_uses_the_script():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlinks:", 1)[1].split("\n\n", 1)[0]
    assert "tools/share_links.py" in recipe and "$(REPO)" in recipe and "$(HUB)" in recipe
