"""Print the links that open this course for learners: Binder, and nbgitpuller on a JupyterHub.

    python tools/share_links.py OWNER/REPO [HUB_URL]        (or: make links REPO=owner/repo HUB=https://hub...)

The Binder link builds the repository on mybinder.org and opens the start page. The nbgitpuller link
makes a JupyterHub clone (or update) the repository into each learner's home folder and open the start
page there; the hub needs the nbgitpuller extension.
"""

from __future__ import annotations

import argparse
import re
import sys
from urllib.parse import quote, urlencode, urlsplit

START_PAGE = "notebooks/00_start_here.ipynb"
BRANCH = "main"
# GitHub owner: letters, digits and single hyphens; repository: letters, digits, '.', '_', '-'.
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


def parse_repo(repo: str) -> tuple[str, str]:
    """``owner/name`` (a trailing ``.git`` or ``/`` is tolerated) -> (owner, name); ``ValueError`` if not."""
    text = (repo or "").strip()
    if not text:
        raise ValueError("the GitHub repository is empty: give it as owner/name, e.g. jane/dl-hardware")
    text = text.removesuffix("/").removesuffix(".git")
    if text.count("/") != 1:
        raise ValueError(f"the GitHub repository must be owner/name with one '/', got {repo!r}")
    owner, name = text.split("/")
    if not _OWNER.match(owner):
        raise ValueError(f"{owner!r} is not a GitHub owner name (letters, digits and single hyphens)")
    if not _REPO.match(name) or name in {".", ".."}:
        raise ValueError(f"{name!r} is not a GitHub repository name (letters, digits, '.', '_', '-')")
    return owner, name


def parse_hub(hub: str) -> str:
    """A JupyterHub base URL (http or https, with a host), without a trailing slash."""
    text = (hub or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"the JupyterHub URL must start with http:// or https:// and name a host, got {hub!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"the JupyterHub URL must be the hub's base address, without '?' or '#', got {hub!r}")
    return text.rstrip("/")


def binder_link(repo: str) -> str:
    owner, name = parse_repo(repo)
    return f"https://mybinder.org/v2/gh/{owner}/{name}/HEAD?urlpath={quote('lab/tree/' + START_PAGE, safe='/')}"


def nbgitpuller_link(repo: str, hub: str) -> str:
    owner, name = parse_repo(repo)
    query = urlencode({
        "repo": f"https://github.com/{owner}/{name}",
        "branch": BRANCH,
        "urlpath": f"lab/tree/{name}/{START_PAGE}",
    }, quote_via=quote, safe="")
    return f"{parse_hub(hub)}/hub/user-redirect/git-pull?{query}"


def links(repo: str, hub: str | None = None) -> dict[str, str]:
    """The share links, by label: Binder always, nbgitpuller when a hub URL is given."""
    out = {"Binder": binder_link(repo)}
    if hub is not None and hub.strip():
        out["JupyterHub (nbgitpuller)"] = nbgitpuller_link(repo, hub)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print the Binder (and nbgitpuller) links of a GitHub copy of the course.",
        epilog="or: make links REPO=owner/repo [HUB=https://hub.example.org]")
    parser.add_argument("repo", help="OWNER/REPO on GitHub")
    parser.add_argument("hub", nargs="?", default=None, help="JUPYTERHUB_URL (optional)")
    args = parser.parse_args(argv)
    try:
        shown = links(args.repo, args.hub)
    except ValueError as err:
        parser.error(str(err))  # prints the usage and exits with status 2
    for label, url in shown.items():
        print(f"{label}: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
