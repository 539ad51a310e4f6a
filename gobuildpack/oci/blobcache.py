"""The layer blob cache: compressed layers kept between builds, keyed by what produced them.

A layer whose content key (:func:`gobuildpack.oci.layer.layer_content_key`: entry names, modes,
owners and file contents, plus the compressor) was exported before is not tarred or compressed
again: its blob is hard-linked from the cache into the new layout. Layout::

    <cache root>/blobs/sha256/<hex>     compressed layer blobs, named by their digest
    <cache root>/blobs/keys/<key>.json  {"digest", "size", "diff_id"} for a content key

An entry is used only after its blob's size and sha256 are checked against the record; a missing,
truncated or corrupted blob (or an unreadable record) is dropped and the layer is written anew.
Records and blobs are written by temp file and rename, so concurrent builds see whole entries.
After each export the cache is trimmed to ``GOBUILDPACK_BLOB_CACHE_MB`` (default 2048), least
recently used first.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from gobuildpack.fingerprint import file_sha256
from gobuildpack.oci.layout import write_atomic

DEFAULT_LIMIT_MB = 2048


@dataclass(frozen=True)
class CachedBlob:
    digest: str
    size: int
    diff_id: str


def _link_or_copy(src: Path, dst: Path) -> None:
    """Make ``dst`` hold ``src``'s bytes: a hard link when possible, else a copy, then a rename."""
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


class BlobCache:
    def __init__(self, root: Path, limit_mb: int = DEFAULT_LIMIT_MB) -> None:
        self.root = root
        self.blobs = root / "sha256"
        self.keys = root / "keys"
        self.limit = limit_mb * 1024 * 1024

    def _blob_path(self, digest: str) -> Path:
        return self.blobs / digest.removeprefix("sha256:")

    def get(self, key: str) -> CachedBlob | None:
        """The blob cached for ``key``, verified; None (entry dropped) when it is not sound."""
        record = self.keys / f"{key}.json"
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
            blob = CachedBlob(str(data["digest"]), int(data["size"]), str(data["diff_id"]))
            path = self._blob_path(blob.digest)
            if path.stat().st_size != blob.size or f"sha256:{file_sha256(path)}" != blob.digest:
                raise ValueError(f"blob {blob.digest} does not match its record")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            record.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(record)  # recently used
        return blob

    def place(self, blob: CachedBlob, blobs_dir: Path) -> None:
        """Put the cached blob into a layout's ``blobs/sha256`` directory."""
        _link_or_copy(self._blob_path(blob.digest), blobs_dir / blob.digest.removeprefix("sha256:"))

    def put(self, key: str, blob: CachedBlob, path: Path) -> None:
        """Keep ``path`` (the blob's bytes, in a layout) under ``key``. Never fails a build."""
        with contextlib.suppress(OSError):
            self.blobs.mkdir(parents=True, exist_ok=True)
            self.keys.mkdir(parents=True, exist_ok=True)
            target = self._blob_path(blob.digest)
            if not (target.exists() and target.stat().st_size == blob.size):
                _link_or_copy(path, target)
            record = {"digest": blob.digest, "size": blob.size, "diff_id": blob.diff_id}
            write_atomic(self.keys / f"{key}.json", json.dumps(record).encode())

    def trim(self) -> None:
        """Drop the least recently used entries until the blobs fit in the limit."""
        with contextlib.suppress(OSError):
            records = sorted(self.keys.glob("*.json"), key=lambda p: p.stat().st_mtime)
            wanted: dict[str, int] = {}
            for record in records:
                with contextlib.suppress(OSError, ValueError, KeyError):
                    data = json.loads(record.read_text(encoding="utf-8"))
                    wanted[str(data["digest"]).removeprefix("sha256:")] = int(data["size"])
            total = sum(wanted.values())
            for record in records:
                if total <= self.limit:
                    break
                with contextlib.suppress(OSError, ValueError, KeyError):
                    digest = str(json.loads(record.read_text(encoding="utf-8"))["digest"])
                    record.unlink()
                    total -= wanted.pop(digest.removeprefix("sha256:"), 0)
            for blob in self.blobs.iterdir():
                if blob.name not in wanted and not blob.name.startswith("."):
                    blob.unlink(missing_ok=True)
