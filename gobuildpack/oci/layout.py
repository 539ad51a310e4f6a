"""OCI image layouts: staging, atomic publishing into ``oci:DIR:TAG``, and ``oci-archive`` files.

An exporter writes the new image into a *staging* layout next to the destination (same file
system). Publishing then moves blobs in by rename (content-addressed, so a blob already there is
kept), and replaces ``index.json`` last, by rename, under a lock on the layout directory: a build
that dies half-way leaves the previous image (and every other tag) exactly as it was, and two
builds writing different tags into one layout do not lose each other's tags.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from gobuildpack.errors import ExportFailed
from gobuildpack.fingerprint import file_sha256

REF_NAME = "org.opencontainers.image.ref.name"
LAYOUT_FILE = {"imageLayoutVersion": "1.0.0"}
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"


def read_index(layout: Path) -> dict[str, Any]:
    """The layout's index.json; an empty index when the layout does not exist yet."""
    path = layout / "index.json"
    if not path.exists():
        return {"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ExportFailed(
            f"cannot read the OCI index {path}: {exc}",
            hint="the layout is damaged: remove it or write the image to another directory",
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("manifests", []), list):
        raise ExportFailed(
            f"{path} is not an OCI image index",
            hint="the layout is damaged: remove it or write the image to another directory",
        )
    return data


def find_manifest(layout: Path, tag: str) -> dict[str, Any] | None:
    """The index descriptor tagged ``tag``, or None."""
    for desc in read_index(layout).get("manifests", []):
        if desc.get("annotations", {}).get(REF_NAME) == tag:
            return dict(desc)
    return None


def config_digest_of(layout: Path, tag: str) -> str:
    """The config digest (the image id) of the image tagged ``tag`` in a layout."""
    desc = find_manifest(layout, tag)
    if desc is None:
        raise ExportFailed(f"the layout {layout} has no manifest tagged {tag!r}")
    algo, _, hexdigest = str(desc["digest"]).partition(":")
    manifest = json.loads((layout / "blobs" / algo / hexdigest).read_text(encoding="utf-8"))
    return str(manifest["config"]["digest"])


@contextlib.contextmanager
def staging_layout(dest: Path) -> Iterator[Path]:
    """A fresh directory on the destination's file system, removed afterwards whatever happens."""
    parent = dest.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.staging-", dir=parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on a directory (flock on the directory itself: no lock file)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass
class NewFile:
    """A file being written: fill ``fh``, then set ``dest`` to the name it must end up with."""

    fh: BinaryIO
    dest: Path | None = None


@contextlib.contextmanager
def new_file(directory: Path, prefix: str) -> Iterator[NewFile]:
    """Write a file atomically: a temporary file in ``directory``, renamed to ``dest`` at the end.

    The name may be decided while writing (a blob is named by its digest): set ``dest`` before
    the block ends. On success the file is flushed to disk, made world-readable (0644) and
    renamed; on any failure it is removed and ``dest`` is untouched.
    """
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            new = NewFile(fh)
            yield new
            fh.flush()
            os.fsync(fh.fileno())
        if new.dest is None:
            raise ValueError("new_file: the block ended without setting dest")
        os.chmod(tmp, 0o644)
        os.replace(tmp, new.dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` by writing a temporary file and renaming it."""
    with new_file(path.parent, f".{path.name}.") as new:
        new.fh.write(data)
        new.dest = path


def _holds(target: Path, blob: Path) -> bool:
    """``target`` already has ``blob``'s content (same file, or same size and sha256): a damaged
    blob left by an earlier writer is replaced, not trusted."""
    try:
        have, want = target.stat(), blob.stat()
    except FileNotFoundError:
        return False
    if (have.st_dev, have.st_ino) == (want.st_dev, want.st_ino):
        return True
    return have.st_size == want.st_size and file_sha256(target) == blob.name


def publish_layout(staging: Path, dest: Path, tag: str) -> dict[str, Any]:
    """Move the image tagged ``tag`` from ``staging`` into ``dest``; return its descriptor."""
    desc = find_manifest(staging, tag)
    if desc is None:
        raise ExportFailed(f"the staged image has no manifest tagged {tag!r}")
    dest.mkdir(parents=True, exist_ok=True)
    with locked(dest):
        blobs = dest / "blobs" / "sha256"
        blobs.mkdir(parents=True, exist_ok=True)
        staged_blobs = staging / "blobs" / "sha256"
        for blob in sorted(staged_blobs.iterdir()):
            target = blobs / blob.name
            if _holds(target, blob):
                continue  # content-addressed: the same bytes are there already
            os.chmod(blob, 0o644)
            os.replace(blob, target)
        if not (dest / "oci-layout").exists():
            write_atomic(dest / "oci-layout", json.dumps(LAYOUT_FILE).encode())
        index = read_index(dest)
        manifests = [
            m for m in index.get("manifests", []) if m.get("annotations", {}).get(REF_NAME) != tag
        ]
        manifests.append(desc)
        index["schemaVersion"] = 2
        index["mediaType"] = INDEX_MEDIA_TYPE
        index["manifests"] = manifests
        write_atomic(dest / "index.json", json.dumps(index, indent=2).encode() + b"\n")
    return desc


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def write_archive(staging: Path, dest: Path, tag: str) -> dict[str, Any]:
    """Write the image tagged ``tag`` in ``staging`` as an ``oci-archive`` file, atomically.

    The archive is a deterministic tar of a layout holding just this image.
    """
    desc = find_manifest(staging, tag)
    if desc is None:
        raise ExportFailed(f"the staged image has no manifest tagged {tag!r}")
    index = {"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": [desc]}
    dest.absolute().parent.mkdir(parents=True, exist_ok=True)
    with new_file(dest.absolute().parent, f".{dest.name}.") as new:
        with tarfile.open(fileobj=new.fh, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            _add_bytes(tar, "oci-layout", json.dumps(LAYOUT_FILE).encode())
            _add_bytes(tar, "index.json", json.dumps(index, indent=2).encode() + b"\n")
            for dirname in ("blobs", "blobs/sha256"):
                info = tarfile.TarInfo(dirname)
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                info.mtime = 0
                tar.addfile(info)
            for blob in sorted((staging / "blobs" / "sha256").iterdir()):
                info = tarfile.TarInfo(f"blobs/sha256/{blob.name}")
                info.size = blob.stat().st_size
                info.mode = 0o644
                info.mtime = 0
                with blob.open("rb") as src:
                    tar.addfile(info, src)
        new.dest = dest
    return desc
