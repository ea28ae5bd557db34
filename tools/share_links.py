"""Print the links that open this course for learners: Binder, and nbgitpuller on a JupyterHub.

    python tools/share_links.py [OWNER/REPO] [HUB_URL]      (or: make links [REPO=owner/repo] [HUB=https://hub...])
    python tools/share_links.py --badges-only                (run by `make notebooks`)

Without OWNER/REPO the repository is read from ``git remote get-url origin`` (GitHub, https or ssh form).
Either way the Binder badge of the start page (its cell tagged ``binder``) and of the README (the line after
``<!-- binder-badge -->``) is rewritten to point at it; where there is no GitHub remote, they show how to get
one instead of a badge, so no badge ever leads to a dead page.

The Binder link builds the repository on mybinder.org and opens the start page. The nbgitpuller link
makes a JupyterHub clone (or update) the repository into each learner's home folder and open the start
page there; the hub needs the nbgitpuller extension.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

START_PAGE = "notebooks/00_start_here.ipynb"
ROOT = Path(__file__).resolve().parent.parent
BRANCH = "main"
BADGE_TAG = "binder"
README_MARKER = "<!-- binder-badge -->"
BADGE_IMAGE = "https://mybinder.org/badge_logo.svg"
# https://github.com/owner/name(.git), git@github.com:owner/name(.git), ssh://git@github.com[:22]/owner/name(.git)
_REMOTE = re.compile(r"^(?:https?://(?:[^@/]+@)?github\.com/|git@github\.com:|ssh://git@github\.com(?::\d+)?/)"
                     r"([^/]+/[^/]+?)(?:\.git)?/?$")
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


def repo_from_remote_url(url: str) -> str | None:
    """``owner/name`` of a GitHub remote URL (https or ssh form), or None for anything else."""
    match = _REMOTE.match((url or "").strip())
    if not match:
        return None
    try:
        return "/".join(parse_repo(match.group(1)))
    except ValueError:
        return None


def origin_repo(folder: Path | str = ROOT) -> str | None:
    """``owner/name`` of the git remote ``origin`` of the repository at ``folder``, or None if there is none."""
    try:
        done = subprocess.run(["git", "-C", str(folder), "remote", "get-url", "origin"],  # noqa: S603, S607
                              capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return repo_from_remote_url(done.stdout) if done.returncode == 0 else None


def badge_markdown(repo: str | None) -> str:
    """The start page's Binder paragraph: a badge for ``repo``, or how to get one when it is unknown."""
    if repo is None:
        return ("**On Binder** (nothing to install): this copy of the course does not know its GitHub address yet "
                "(it has no `git remote` called `origin` on GitHub), so there is no Binder badge here. Put the course "
                "on GitHub, then run `make links` (or `make links REPO=owner/name`): it writes the badge here and "
                "in the README, and prints the link to share.")
    return (f"**On Binder** (nothing to install): [![Binder]({BADGE_IMAGE})]({binder_link(repo)}) opens "
            f"`{repo}` on mybinder.org. It takes a minute to start; then everything runs on about one shared CPU "
            "core and 2 GB of memory, which is enough for every notebook.")


def readme_badge(repo: str | None) -> str:
    """The README line after the marker: the badge, or the instruction."""
    if repo is None:
        return ("*Binder*: run `make links` in a clone of this course on GitHub (or `make links REPO=owner/name`) "
                "to put its Binder badge here.")
    return f"[![Binder]({BADGE_IMAGE})]({binder_link(repo)})"


def update_badges(repo: str | None, root: Path | str = ROOT) -> list[Path]:
    """Rewrite the start page's ``binder`` cell and the README's badge line for ``repo``; return files changed."""
    root = Path(root)
    changed = []
    page = root / START_PAGE
    if page.exists():
        nb = json.loads(page.read_text(encoding="utf-8"))
        wanted = badge_markdown(repo)
        stale = False
        for cell in nb["cells"]:
            if BADGE_TAG in cell.get("metadata", {}).get("tags", []) and "".join(cell["source"]) != wanted:
                cell["source"] = wanted.splitlines(keepends=True)
                stale = True
        if stale:
            page.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
            changed.append(page)
    readme = root / "README.md"
    if readme.exists():
        lines = readme.read_text(encoding="utf-8").split("\n")
        if README_MARKER in lines:
            at = lines.index(README_MARKER) + 1
            line = readme_badge(repo)
            if at >= len(lines) or lines[at] != line:
                if at < len(lines) and (lines[at].startswith("[![Binder]") or lines[at].startswith("*Binder*")):
                    lines[at] = line
                else:
                    lines.insert(at, line)
                readme.write_text("\n".join(lines), encoding="utf-8")
                changed.append(readme)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print the Binder (and nbgitpuller) links of a GitHub copy of the course, and write its badges.",
        epilog="or: make links [REPO=owner/repo] [HUB=https://hub.example.org]")
    parser.add_argument("repo", nargs="?", default="", help="OWNER/REPO on GitHub (default: git remote origin)")
    parser.add_argument("hub", nargs="?", default=None, help="JUPYTERHUB_URL (optional)")
    parser.add_argument("--badges-only", action="store_true",
                        help="only rewrite the badges from git remote origin (no error without a remote)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.badges_only:
        repo = origin_repo(args.root)
        for path in update_badges(repo, args.root):
            print(f"updated the Binder badge in {path.name}" + ("" if repo else " (no GitHub remote: instruction)"))
        return 0
    repo = args.repo.strip() or origin_repo(args.root)
    if not repo:
        parser.error("no OWNER/REPO given and no GitHub remote 'origin' in this repository: "
                     "push the course to GitHub or run `make links REPO=owner/name`")
    try:
        shown = links(repo, args.hub)
    except ValueError as err:
        parser.error(str(err))  # prints the usage and exits with status 2
    update_badges("/".join(parse_repo(repo)), args.root)
    for label, url in shown.items():
        print(f"{label}: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
