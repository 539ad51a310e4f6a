"""What git knows about the app: revision, source URL and the time of its last commit.

All of it is optional: outside a git work tree, or without git installed, every answer is None.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from gobuildpack import proc


@dataclass(frozen=True)
class GitInfo:
    revision: str | None = None
    source: str | None = None  # the origin remote's URL
    commit_time: int | None = None  # committer time (epoch seconds) of the last commit of the app
    dirty: bool = False


def _git(app_dir: Path, *args: str) -> str | None:
    result = proc.run(["git", "-C", str(app_dir), *args], check=False)
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def git_info(app_dir: Path) -> GitInfo:
    if shutil.which("git") is None:
        return GitInfo()
    if _git(app_dir, "rev-parse", "--is-inside-work-tree") != "true":
        return GitInfo()
    revision = _git(app_dir, "rev-parse", "HEAD")
    source = _git(app_dir, "remote", "get-url", "origin")
    # The last commit that touched the app's directory, not the repository's newest commit.
    when = _git(app_dir, "log", "-1", "--format=%ct", "--", ".")
    status = _git(app_dir, "status", "--porcelain", "--untracked-files=no", "--", ".")
    return GitInfo(
        revision=revision,
        source=source,
        commit_time=int(when) if when and when.isdigit() else None,
        dirty=bool(status),
    )
