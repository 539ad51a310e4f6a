"""Where an image goes: ``oci:DIR[:TAG]``, ``oci-archive:FILE[:TAG]`` or
``containers-storage:NAME[:TAG]``.

The spelling is the one skopeo, buildah and podman use, so a reference we print can be passed to
them as it is.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from gobuildpack.errors import OutputError, UsageError

TRANSPORTS = ("oci", "oci-archive", "containers-storage")
DEFAULT_TAG = "latest"
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_NAME_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")


@dataclass(frozen=True)
class Output:
    transport: str
    target: str  # directory, file, or image name
    tag: str = DEFAULT_TAG

    @property
    def path(self) -> Path:
        return Path(self.target)

    @property
    def image_name(self) -> str:
        """For containers-storage: the full name with tag, e.g. ``localhost/hello:dev``."""
        return f"{self.target}:{self.tag}"

    def __str__(self) -> str:
        return f"{self.transport}:{self.target}:{self.tag}"

    def check_writable(self) -> None:
        """Fail early, before building, if the output cannot be written."""
        if self.transport == "containers-storage":
            return
        path = self.path
        if self.transport == "oci":
            if path.exists() and not path.is_dir():
                raise OutputError(
                    f"the output {path} exists and is not a directory, so it cannot hold an "
                    "OCI layout",
                    hint="choose another path, or use oci-archive: to write a single file",
                )
            if path.is_dir() and any(path.iterdir()) and not (path / "oci-layout").is_file():
                raise OutputError(
                    f"the output directory {path} is not empty and is not an OCI layout "
                    "(it has no oci-layout file); refusing to write into it",
                    hint="choose an empty or new directory, or an existing OCI layout",
                )
            if path.is_dir():
                _require_writable(path)
                for sub in (path / "blobs", path / "blobs" / "sha256"):
                    if sub.is_dir():
                        _require_writable(sub)
                return
        elif path.is_dir():
            raise OutputError(
                f"the output {path} is a directory; oci-archive: writes a single file",
                hint="name a file, e.g. oci-archive:out/app.tar, or use oci:DIR for a layout",
            )
        _require_writable(_nearest_existing_parent(path))


def _nearest_existing_parent(path: Path) -> Path:
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    return parent


def _require_writable(directory: Path) -> None:
    if not directory.is_dir():
        raise OutputError(
            f"cannot write the output: {directory} is not a directory",
            hint="choose an output path whose parent is a directory",
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write the output: the directory {directory} is not writable",
            hint="choose a writable location for --output, or fix the directory's permissions",
        )


def parse_output(text: str) -> Output:
    """Parse ``TRANSPORT:TARGET[:TAG]`` into an :class:`Output`."""
    transport, sep, rest = text.partition(":")
    if not sep or transport not in TRANSPORTS:
        raise UsageError(
            f"unsupported output {text!r}",
            hint="write the output as oci:DIR[:TAG], oci-archive:FILE[:TAG] or "
            "containers-storage:NAME[:TAG]",
        )
    if transport == "containers-storage":
        return _parse_storage_name(text, rest)
    target, tag = rest, DEFAULT_TAG
    head, colon, tail = rest.rpartition(":")
    if colon and "/" not in tail and _TAG.match(tail):
        target, tag = head, tail
    if not target:
        raise UsageError(f"output {text!r} names no path", hint=f"write it as {transport}:PATH")
    return Output(transport, target, tag)


def _parse_storage_name(text: str, rest: str) -> Output:
    name, tag = rest, DEFAULT_TAG
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        name, _, tag = rest.rpartition(":")
    if "@" in name:
        raise UsageError(
            f"output {text!r} has a digest; an image being written has no digest yet",
            hint="name it with a tag instead, e.g. containers-storage:localhost/app:dev",
        )
    parts = name.split("/")
    first = parts[0]
    has_registry = len(parts) > 1 and ("." in first or ":" in first or first == "localhost")
    path_parts = parts[1:] if has_registry else parts
    if not name or not all(_NAME_COMPONENT.match(p) for p in path_parts) or not _TAG.match(tag):
        raise UsageError(
            f"invalid image name in {text!r}",
            hint="use lowercase letters, digits and . _ - separated by /, then an optional :tag, "
            "e.g. containers-storage:localhost/hello:dev",
        )
    if not has_registry:
        name = "localhost/" + name
    return Output("containers-storage", name, tag)
