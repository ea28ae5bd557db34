"""tools/share_links.py: Binder and nbgitpuller links, URL encoding, and refusal of bad input."""

import json
import re
import shutil
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


def test_no_placeholder_badge_is_a_link():
    """`OWNER/REPO` never appears as a link address in the README or the start page (it would be a dead page)."""
    texts = [(ROOT / "README.md").read_text(), (ROOT / share.START_PAGE).read_text()]
    for text in texts:
        assert "/OWNER/REPO/" not in text and "gh/OWNER" not in text


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


def run(*args, root=None):
    """The script on a copy of the course at ``root`` (default: a folder without git), never on the checkout."""
    root = root or _empty_root()
    return subprocess.run([sys.executable, str(SCRIPT), *args, "--root", str(root)], capture_output=True, text=True,
                          timeout=30)


def _empty_root():
    import tempfile
    return tempfile.mkdtemp(prefix="share-links-")


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
    notebooks = makefile.split("\nnotebooks:", 1)[1].split("\n\n", 1)[0]
    assert "tools/share_links.py --badges-only" in notebooks


# ---- the badge from `git remote`: with and without a remote -------------------------------------------------

@pytest.mark.parametrize("url, repo", [
    ("https://github.com/jane/dl-hardware.git", "jane/dl-hardware"),
    ("https://github.com/jane/dl-hardware", "jane/dl-hardware"),
    ("https://github.com/jane/dl-hardware/", "jane/dl-hardware"),
    ("https://token@github.com/jane/dl.hw.git", "jane/dl.hw"),
    ("git@github.com:jane/dl-hardware.git", "jane/dl-hardware"),
    ("ssh://git@github.com/jane/dl-hardware.git", "jane/dl-hardware"),
    ("ssh://git@github.com:22/jane/dl-hardware", "jane/dl-hardware"),
    ("https://gitlab.com/jane/dl-hardware.git", None),
    ("/srv/git/course.git", None),
    ("https://github.com/jane", None),
    ("https://github.com/jane/x/tree/main", None),
    ("", None),
])
def test_repo_from_remote_url(url, repo):
    assert share.repo_from_remote_url(url) == repo


def course_copy(tmp_path, remote=None):
    """A temporary git repository holding the start page and README, with or without a GitHub remote."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / share.START_PAGE, tmp_path / share.START_PAGE)
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    if remote:
        subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", remote], check=True)
    return tmp_path


def badge_cell(root):
    nb = json.loads((root / share.START_PAGE).read_text())
    cells = [c for c in nb["cells"] if "binder" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, "the start page needs exactly one cell tagged binder"
    return "".join(cells[0]["source"])


BADGE_URL = re.compile(r"\]\((https://mybinder\.org/v2/gh/[^)]+)\)")


def test_badges_follow_the_remote(tmp_path):
    root = course_copy(tmp_path, "git@github.com:jane/dl-hardware.git")
    assert share.origin_repo(root) == "jane/dl-hardware"
    done = run("--badges-only", root=root)
    assert done.returncode == 0, done.stderr
    expected = "https://mybinder.org/v2/gh/jane/dl-hardware/HEAD?urlpath=lab/tree/notebooks/00_start_here.ipynb"
    assert BADGE_URL.findall(badge_cell(root)) == [expected]
    readme = (root / "README.md").read_text()
    assert f"[![Binder](https://mybinder.org/badge_logo.svg)]({expected})" in readme
    assert "OWNER" not in badge_cell(root) and "gh/OWNER" not in readme
    assert run("--badges-only", root=root).stdout == ""  # a second run changes nothing
    links = run(root=root)  # make links without REPO: read from the remote
    assert links.returncode == 0 and links.stdout.startswith(f"Binder: {expected}")


def test_without_a_remote_the_instruction_replaces_the_badge(tmp_path):
    root = course_copy(tmp_path)
    assert share.origin_repo(root) is None
    assert run("--badges-only", root=root).returncode == 0
    cell = badge_cell(root)
    assert "make links" in cell and not BADGE_URL.findall(cell) and "mybinder.org/v2" not in cell
    readme = (root / "README.md").read_text()
    assert "mybinder.org/v2" not in readme and "make links" in readme
    refused = run("", root=root)  # make links without REPO and without a remote: explained, exit 2
    assert refused.returncode == 2 and "no GitHub remote" in refused.stderr


def test_an_explicit_repo_writes_its_badge(tmp_path):
    root = course_copy(tmp_path, "https://gitlab.com/other/place.git")
    assert share.origin_repo(root) is None  # not GitHub: no Binder
    assert run("jane/x", root=root).returncode == 0
    assert "gh/jane/x/HEAD" in badge_cell(root)
