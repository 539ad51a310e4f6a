"""Cheap fingerprints of a build's inputs, to prove that something is already up to date.

A fingerprint is a sha256 over a canonical description of the inputs. It is *conservative*: any
change it sees (a file's size, mtime, mode or inode; an environment variable; the git state)
gives a new fingerprint, so a stale result is never reused, at worst a current one is rebuilt.
Everything here is standard library only and costs milliseconds, so it can run before the
expensive work it may let us skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gobuildpack import proc

# Directories that never hold build inputs and can be large.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__"})

# Environment variables a built-in buildpack or a go command may read.
ENV_PREFIXES = ("BP_", "GO", "CGO_", "CNB_", "GOBUILDPACK_", "SSL_CERT_", "CONTAINERS_", "XDG_")
ENV_NAMES = frozenset({"PATH", "HOME", "SOURCE_DATE_EPOCH", "TMPDIR", "REGISTRY_AUTH_FILE"})


def file_sha256(path: Path) -> str:
    """The sha256 of a file's content, hex, read in 1 MiB chunks (memory stays flat)."""
    content = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            content.update(chunk)
    return content.hexdigest()


def digest(value: Any) -> str:
    """sha256 of a JSON-serialisable value, canonically encoded."""
    data = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode()).hexdigest()


def tree(
    root: Path, *, skip: frozenset[str] = SKIP_DIRS, exclude: Iterable[Path] = ()
) -> list[list[Any]]:
    """Every entry under ``root``: relative path and mode, and for files and symlinks size, mtime
    (ns) and inode. Sorted.

    ``exclude`` names paths left out, with everything below them: what the build itself writes
    (an ``oci:`` output inside the app directory, say), which would otherwise change every time.
    """
    rows: list[list[Any]] = []
    if not root.exists():
        return [["<missing>", str(root)]]
    excluded = {str(p.absolute()) for p in exclude}
    # The directories leading to an excluded path are walked but not listed themselves: the
    # build may create them, for its output.
    leading = {str(parent) for p in exclude for parent in p.absolute().parents}
    stack = [(root, "")]
    while stack:
        directory, rel = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError as exc:
            rows.append([rel, "<unreadable>", str(exc)])
            continue
        for entry in entries:
            if entry.name in skip and entry.is_dir(follow_symlinks=False):
                continue
            if excluded and os.path.abspath(entry.path) in excluded:
                continue
            child = f"{rel}/{entry.name}" if rel else entry.name
            st = entry.stat(follow_symlinks=False)
            if entry.is_dir(follow_symlinks=False):
                # A directory's own mtime only says entries came or went, and those are listed
                # themselves: leaving it out keeps a build's scratch files from counting.
                if not (leading and os.path.abspath(entry.path) in leading):
                    rows.append([child, st.st_mode])
                stack.append((Path(entry.path), child))
            else:
                rows.append([child, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino])
    rows.sort(key=lambda r: str(r[0]))
    return rows


def files(paths: Iterable[Path]) -> list[list[Any]]:
    """Size, mtime and inode of each file (or a marker when it does not exist)."""
    rows: list[list[Any]] = []
    for path in paths:
        try:
            st = path.stat()
            rows.append([str(path), st.st_size, st.st_mtime_ns, st.st_ino])
        except OSError:
            rows.append([str(path), None])
    return rows


def environment(env: Mapping[str, str]) -> dict[str, str]:
    """The part of an environment that can change what a build produces."""
    return {k: v for k, v in env.items() if k.startswith(ENV_PREFIXES) or k in ENV_NAMES}


def git_state(directory: Path, env: Mapping[str, str]) -> list[str] | None:
    """HEAD, branch and every modified or untracked path of the repository, as git reports them.

    Go stamps the revision and a "modified" flag into binaries built in a work tree, so a change
    anywhere in the repository can change a binary. None outside a work tree or without git.
    """
    if shutil.which("git", path=env.get("PATH")) is None:
        return None
    status = proc.run(
        ["git", "-C", str(directory), "status", "--porcelain=v2", "--branch"],
        env=env,
        check=False,
    )
    if status.returncode != 0:
        return None
    git_dir = proc.run(["git", "-C", str(directory), "rev-parse", "--git-dir"], env=env)
    config = files([directory / git_dir.stdout.strip() / "config"])
    return [status.stdout, json.dumps(config)]
