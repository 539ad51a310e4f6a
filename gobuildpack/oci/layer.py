"""Deterministic layer tarballs: the same files give the same bytes, whoever builds them and when.

Entries are sorted, owned by uid/gid 0 (unless the layer says otherwise) with empty user and
group names, stamped with one fixed mtime, and written without PAX atime/ctime records. Modes are
normalised so the builder's umask does not leak in: directories 0755, files 0755 when any execute
bit is set and 0644 otherwise, unless the layer sets a mode for that path.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from gobuildpack.errors import BuildFailed
from gobuildpack.fingerprint import file_sha256
from gobuildpack.model import Layer

# 1980-01-01T00:00:01Z, the time the CNB lifecycle gives every file: old enough to mean "fixed",
# late enough for zip-based tools that cannot store earlier dates.
FIXED_MTIME = 315532801


def _normal_mode(st_mode: int) -> int:
    if stat.S_ISDIR(st_mode):
        return 0o755
    if stat.S_ISLNK(st_mode):
        return 0o777
    return 0o755 if st_mode & 0o111 else 0o644


def iter_layer_entries(layer: Layer) -> Iterator[tuple[str, str, Path | None]]:
    """Yield (name in the tar, path relative to the layer, host path) in tar order.

    Parents of ``image_path`` come first as synthetic directories (host path None, relative path
    ""), then the layer's own directory and its contents, depth first in name order.
    """
    prefix = layer.image_path.strip("/")
    if prefix:
        for parent in reversed(PurePosixPath(prefix).parents):
            if str(parent) != ".":
                yield str(parent), "", None
        yield prefix, "", layer.path
    yield from _sorted_tree(layer.path, prefix, "")


def _sorted_tree(root: Path, prefix: str, rel: str) -> Iterator[tuple[str, str, Path | None]]:
    with os.scandir(root) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        child_rel = f"{rel}/{entry.name}" if rel else entry.name
        name = f"{prefix}/{child_rel}" if prefix else child_rel
        yield name, child_rel, Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            yield from _sorted_tree(Path(entry.path), prefix, child_rel)


@dataclass(frozen=True)
class Entry:
    """One tar entry as the layer will hold it: normalised mode and owner, and where it comes
    from (``host`` None for a synthetic parent directory)."""

    name: str
    kind: str  # "dir", "file" or "symlink"
    mode: int
    uid: int
    gid: int
    host: Path | None
    size: int = 0
    linkname: str = ""


def layer_entries(layer: Layer) -> Iterator[Entry]:
    """The layer's entries in tar order, with the attributes the tar will record."""
    for name, rel, host in iter_layer_entries(layer):
        if host is None:
            yield Entry(name, "dir", 0o755, 0, 0, None)
            continue
        uid, gid = layer.owners.get(rel, (0, 0))
        st = host.lstat()
        mode = layer.modes.get(rel, _normal_mode(st.st_mode))
        if stat.S_ISDIR(st.st_mode):
            yield Entry(name, "dir", mode, uid, gid, host)
        elif stat.S_ISLNK(st.st_mode):
            yield Entry(name, "symlink", mode, uid, gid, host, linkname=os.readlink(host))
        elif stat.S_ISREG(st.st_mode):
            yield Entry(name, "file", mode, uid, gid, host, size=st.st_size)
        else:
            raise BuildFailed(
                f"layer {layer.name!r} of {layer.buildpack.id} holds {host}, which is not a "
                "regular file, directory or symlink",
                hint="remove sockets, pipes and devices from the layer directory",
            )


_TAR_TYPES = {"dir": tarfile.DIRTYPE, "file": tarfile.REGTYPE, "symlink": tarfile.SYMTYPE}


def write_layer_tar(layer: Layer, out: BinaryIO, *, mtime: int = FIXED_MTIME) -> None:
    """Write ``layer`` as an uncompressed tar stream to ``out``; files are streamed, not slurped."""
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for entry in layer_entries(layer):
            info = tarfile.TarInfo(entry.name)
            info.mtime = mtime
            info.uname = info.gname = ""
            info.uid, info.gid, info.mode = entry.uid, entry.gid, entry.mode
            info.type = _TAR_TYPES[entry.kind]
            info.linkname = entry.linkname
            if entry.kind == "file" and entry.host is not None:
                info.size = entry.size
                with entry.host.open("rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)


def layer_content_key(layer: Layer, *, salt: str = "") -> str:
    """A sha256 that changes exactly when the layer's tar would: every entry's name, kind, mode,
    owner and link target, and every file's size and content hash.

    Costs a read of the files (sha256 runs at well over 1 GB/s), not a tar or a compression, so
    a cache keyed by it saves the expensive part. ``salt`` names what else shapes the bytes (the
    compressor and its level, for a compressed blob).
    """
    digest = hashlib.sha256(f"gobuildpack layer v1 {FIXED_MTIME} {salt}\n".encode())
    for entry in layer_entries(layer):
        line = f"{entry.kind} {entry.name} {entry.mode:o} {entry.uid} {entry.gid} {entry.linkname}"
        if entry.kind == "file" and entry.host is not None:
            line += f" {entry.size} {file_sha256(entry.host)}"
        digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()
