"""The native exporter: a pure-Python OCI image writer (standard library only, no external tool).

Each launch layer becomes one gzip-compressed OCI layer, in order. A layer is streamed, never held
in memory::

    write_layer_tar ─▶ sha256 of the tar (diff_id) ─▶ deflate ─▶ sha256 + size (digest) ─▶ temp file

and the temp file is renamed to its digest once complete. Then come the config (platform, runtime
config, ``rootfs.diff_ids``, ``created``, one history entry per layer), the manifest (with the
image's annotations) and the index descriptor tagged with ``org.opencontainers.image.ref.name``.
The same inputs give byte-identical blobs, so the same manifest digest.

``oci:`` and ``oci-archive:`` outputs are written into a staging layout next to the destination and
published from it (:func:`~gobuildpack.oci.layout.publish_layout` moves blobs in and replaces
``index.json`` last, by rename, under a lock; :func:`~gobuildpack.oci.layout.write_archive` renames
a finished archive into place), so an interrupted export leaves the previous image as it was.
``containers-storage:`` is reached through a staging layout in the scratch directory imported with
``skopeo copy --preserve-digests``, so the stored image has the manifest digest we wrote.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import time
import zlib
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from gobuildpack import proc
from gobuildpack.errors import CommandFailed, ExportFailed, MissingProgram, UsageError
from gobuildpack.log import Log
from gobuildpack.model import ExportResult, ImageSpec, Layer
from gobuildpack.oci.blobcache import BlobCache, CachedBlob
from gobuildpack.oci.layer import layer_content_key, write_layer_tar
from gobuildpack.oci.layout import (
    INDEX_MEDIA_TYPE,
    LAYOUT_FILE,
    REF_NAME,
    new_file,
    publish_layout,
    staging_layout,
    write_archive,
    write_atomic,
)
from gobuildpack.oci.output import Output

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"

# One fixed level, so the same tar always compresses to the same bytes (given the same zlib).
# Measured with bench/gzip_levels.py (best of 3) on a 41 MB unstripped Go binary (gopls), 2 cores:
#   level 1: 21.7 MB in 1.1 s    level 4: 20.8 MB in 1.4 s    level 6: 20.5 MB in 2.5 s
#   level 9: 20.4 MB in 6.6 s
# Level 6 (zlib's default) saves 6% of the bytes for 2.2 times the time, level 9 0.4% more for
# another 2.7 times. The time is paid on every rebuild, on the developer's clock; the few percent
# saved on a push or a pull are worth less, so the fastest level wins.
GZIP_LEVEL = 1
# How much of the tar stream is handed to zlib at a time: large enough to keep the per-call
# overhead low, small enough that memory stays flat whatever the layer's size.
CHUNK_SIZE = 1 << 20
# Blocks deflated in parallel (part of what fixes the bytes: never change it without reason).
# Measured on a 39 MB stripped Go binary at level 1, 2 cores: one stream 20,588,345 bytes in
# 0.72 s; 1 MiB blocks 20,591,273 bytes (+0.01%) in 0.40 s with 2 threads, 0.72 s with 1.
BLOCK_SIZE = 1 << 20
WINDOW = 1 << 15  # deflate's window: how much of the previous block primes the next
# What shapes a compressed layer's bytes besides its content: part of the blob cache's key.
COMPRESSOR = f"gzip-{GZIP_LEVEL} blocks-{BLOCK_SIZE} zlib-{zlib.ZLIB_RUNTIME_VERSION}"


@dataclass(frozen=True)
class Blob:
    """A blob written into a layout: its digest and size (and, for a layer, its diff_id)."""

    digest: str
    size: int
    diff_id: str = ""

    def descriptor(self, media_type: str) -> dict[str, Any]:
        return {"mediaType": media_type, "digest": self.digest, "size": self.size}


@dataclass(frozen=True)
class WrittenImage:
    """An image written into a layout: its index descriptor and its config digest (image id)."""

    descriptor: dict[str, Any]
    config_digest: str


def _deflate_block(data: bytes, dictionary: bytes, last: bool, level: int) -> bytes:
    """Raw deflate of one block, primed with the 32 KiB before it; byte-aligned at its end
    (``Z_SYNC_FLUSH``) so blocks concatenate into one stream, which the last one finishes."""
    if dictionary:
        compressor = zlib.compressobj(
            level, zlib.DEFLATED, -zlib.MAX_WBITS, 8, zlib.Z_DEFAULT_STRATEGY, dictionary
        )
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH
    )


class _GzipSink(io.RawIOBase):
    """A write-only stream that gzips what it is given into ``out``, hashing both sides.

    The uncompressed bytes' sha256 is the layer's diff_id; the compressed bytes' sha256 and count
    are its digest and size. The input is cut into blocks of :data:`BLOCK_SIZE`, each deflated on
    its own (with the 32 KiB before it as dictionary, as pigz does) by a pool of threads (zlib
    releases the GIL), and written in order. The bytes depend on the input, the level and zlib,
    not on how many threads ran: the same layer always gives the same blob. Memory stays at a
    few blocks per thread whatever the layer's size. The gzip header is ours, so it holds no
    time and no file name: ID1 ID2, CM=deflate, FLG=0, MTIME=0, XFL, OS=255 (unknown).
    """

    def __init__(self, out: BinaryIO, level: int, pool: ThreadPoolExecutor, workers: int) -> None:
        super().__init__()
        self._out = out
        self._level = level
        self._pool = pool
        self._pending: deque[Future[bytes]] = deque()
        self._max_pending = 2 * workers
        self._buffer = bytearray()
        self._tail = b""  # the last 32 KiB of input handed to a block: the next one's dictionary
        self._uncompressed = hashlib.sha256()
        self._compressed = hashlib.sha256()
        self._crc = 0
        self._isize = 0
        self._size = 0
        # XFL (RFC 1952): 4 means "fastest algorithm", 2 "maximum compression".
        xfl = {1: 4, 9: 2}.get(level, 0)
        self._emit(b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + bytes([xfl, 255]))

    def writable(self) -> bool:
        return True

    def _emit(self, data: bytes) -> None:
        if data:
            self._out.write(data)
            self._compressed.update(data)
            self._size += len(data)

    def _submit(self, block: bytes, last: bool) -> None:
        self._pending.append(
            self._pool.submit(_deflate_block, block, self._tail, last, self._level)
        )
        self._tail = (self._tail + block)[-WINDOW:]
        while len(self._pending) > self._max_pending:
            self._emit(self._pending.popleft().result())

    def write(self, data: ReadableBuffer) -> int:
        view = memoryview(data)
        self._uncompressed.update(view)
        self._crc = zlib.crc32(view, self._crc)
        self._isize += view.nbytes
        self._buffer += view
        while len(self._buffer) > BLOCK_SIZE:  # keep one block back: it may be the last
            block = bytes(self._buffer[:BLOCK_SIZE])
            del self._buffer[:BLOCK_SIZE]
            self._submit(block, last=False)
        return view.nbytes

    def finish(self) -> Blob:
        """Compress what is left, write the gzip trailer; return digest, size and diff_id."""
        self._submit(bytes(self._buffer), last=True)
        self._buffer.clear()
        while self._pending:
            self._emit(self._pending.popleft().result())
        trailer = self._crc.to_bytes(4, "little") + (self._isize & 0xFFFFFFFF).to_bytes(4, "little")
        self._emit(trailer)
        return Blob(
            digest=f"sha256:{self._compressed.hexdigest()}",
            size=self._size,
            diff_id=f"sha256:{self._uncompressed.hexdigest()}",
        )


def _digest_path(blobs: Path, digest: str) -> Path:
    return blobs / digest.removeprefix("sha256:")


def write_layer_blob(layer: Layer, blobs: Path, *, level: int = GZIP_LEVEL) -> Blob:
    """Stream ``layer`` as a gzipped tar into ``blobs`` (a ``blobs/sha256`` directory)."""
    workers = min(os.cpu_count() or 1, 8)
    with new_file(blobs, ".layer-") as new, ThreadPoolExecutor(workers) as pool:
        sink = _GzipSink(new.fh, level, pool, workers)
        with io.BufferedWriter(sink, buffer_size=CHUNK_SIZE) as buffered:
            write_layer_tar(layer, buffered)
            buffered.flush()
            blob = sink.finish()
        new.dest = _digest_path(blobs, blob.digest)
    return blob


def write_json_blob(data: Mapping[str, Any], blobs: Path) -> Blob:
    """Write a JSON document (config, manifest) as a blob: compact, keys in the order given."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    blob = Blob(f"sha256:{hashlib.sha256(raw).hexdigest()}", len(raw))
    with new_file(blobs, ".json-") as new:
        new.fh.write(raw)
        new.dest = _digest_path(blobs, blob.digest)
    return blob


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _port(spec: str) -> str:
    return spec if "/" in spec else f"{spec}/tcp"


def image_config(image: ImageSpec, diff_ids: list[str]) -> dict[str, Any]:
    """The OCI image config for ``image`` whose layers have ``diff_ids``, in order."""
    cfg = image.config
    created = _rfc3339(image.created)
    runtime: dict[str, Any] = {}
    if cfg.user:
        runtime["User"] = cfg.user
    if cfg.exposed_ports:
        runtime["ExposedPorts"] = {_port(p): {} for p in sorted(cfg.exposed_ports)}
    if cfg.env:
        runtime["Env"] = cfg.env_list()
    if cfg.entrypoint:
        runtime["Entrypoint"] = list(cfg.entrypoint)
    if cfg.cmd:
        runtime["Cmd"] = list(cfg.cmd)
    if cfg.working_dir:
        runtime["WorkingDir"] = cfg.working_dir
    if cfg.labels:
        runtime["Labels"] = dict(sorted(cfg.labels.items()))
    config: dict[str, Any] = {
        "created": created,
        "architecture": image.platform.architecture,
        "os": image.platform.os,
    }
    if image.platform.variant:
        config["variant"] = image.platform.variant
    config["config"] = runtime
    config["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    config["history"] = [
        {"created": created, "created_by": f"gobuildpack {layer.buildpack.id}/{layer.name}"}
        for layer in image.layers
    ]
    return config


def _layer_blob(layer: Layer, blobs: Path, cache: BlobCache | None) -> tuple[Blob, str]:
    """The layer's blob in ``blobs``: from the blob cache when its content was exported before,
    else tarred and compressed now (and kept in the cache)."""
    if cache is None:
        return write_layer_blob(layer, blobs), "written"
    key = layer_content_key(layer, salt=COMPRESSOR)
    cached = cache.get(key)
    if cached is not None:
        try:
            cache.place(cached, blobs)
            return Blob(cached.digest, cached.size, cached.diff_id), "reused"
        except OSError:
            pass  # gone since it was checked (trimmed by a concurrent build): write it anew
    blob = write_layer_blob(layer, blobs)
    cache.put(
        key, CachedBlob(blob.digest, blob.size, blob.diff_id), _digest_path(blobs, blob.digest)
    )
    return blob, "written"


def write_image(
    image: ImageSpec,
    layout: Path,
    tag: str,
    log: Log | None = None,
    cache: BlobCache | None = None,
) -> WrittenImage:
    """Write ``image`` into the OCI layout directory ``layout`` (normally a fresh staging one).

    Blobs go in first, each by temp file and rename (or hard-linked from ``cache``);
    ``index.json``, naming only this image tagged ``tag``, goes in last by rename.
    """
    if image.base is not None:
        raise UsageError(
            f"the native exporter builds on scratch only, and this image is based on {image.base}",
            hint="use --exporter buildah, which can start from a base image",
        )
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    layers: list[Blob] = []
    for layer in image.layers:
        start = time.monotonic()
        blob, how = _layer_blob(layer, blobs, cache)
        layers.append(blob)
        if log is not None:
            log.info(
                f"layer {layer.buildpack.id}/{layer.name}: {blob.size / 1e6:.1f} MB "
                f"({blob.digest[:19]}) {how} in {time.monotonic() - start:.2f}s"
            )
    config = write_json_blob(image_config(image, [b.diff_id for b in layers]), blobs)
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": config.descriptor(CONFIG_MEDIA_TYPE),
        "layers": [b.descriptor(LAYER_MEDIA_TYPE) for b in layers],
    }
    if image.config.annotations:
        manifest["annotations"] = dict(sorted(image.config.annotations.items()))
    manifest_blob = write_json_blob(manifest, blobs)
    platform = {"architecture": image.platform.architecture, "os": image.platform.os}
    if image.platform.variant:
        platform["variant"] = image.platform.variant
    descriptor = {
        **manifest_blob.descriptor(MANIFEST_MEDIA_TYPE),
        "platform": platform,
        "annotations": {REF_NAME: tag},
    }
    index = {"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": [descriptor]}
    write_atomic(layout / "oci-layout", json.dumps(LAYOUT_FILE).encode())
    write_atomic(layout / "index.json", json.dumps(index, indent=2).encode() + b"\n")
    return WrittenImage(descriptor, config.digest)


class NativeExporter:
    """Writes OCI images itself; reaches containers-storage through ``skopeo copy``."""

    name = "native"

    def __init__(
        self,
        env: Mapping[str, str],
        scratch: Path | None = None,
        cache: BlobCache | None = None,
    ) -> None:
        self.env = dict(env)
        self.scratch = scratch if scratch is not None else Path(tempfile.gettempdir())
        self.cache = cache

    def export(self, image: ImageSpec, output: Output, log: Log) -> ExportResult:
        if output.transport == "containers-storage":
            return self._export_to_storage(image, output, log)
        with staging_layout(output.path) as staging:
            written = write_image(image, staging, output.tag, log, self.cache)
            if output.transport == "oci":
                desc = publish_layout(staging, output.path, output.tag)
            else:
                desc = write_archive(staging, output.path, output.tag)
        if self.cache is not None:
            self.cache.trim()
        return ExportResult(str(output), str(desc["digest"]), written.config_digest, self.name)

    def _skopeo(self) -> str:
        try:
            return proc.which("skopeo", path=self.env.get("PATH"))
        except MissingProgram as exc:
            raise MissingProgram(
                "the native exporter writes to containers-storage through the program `skopeo`, "
                "which is not installed",
                hint="install it (Debian/Ubuntu: `apt-get install skopeo`), or write the image "
                "with --output oci:DIR or oci-archive:FILE, which need no other program",
            ) from exc

    def _export_to_storage(self, image: ImageSpec, output: Output, log: Log) -> ExportResult:
        skopeo = self._skopeo()  # before any work: a missing program is known at once
        with staging_layout(self.scratch / "containers-storage") as staging:
            written = write_image(image, staging, output.tag, log, self.cache)
            digest_file = staging / "pushed-digest"
            argv = [
                skopeo,
                "copy",
                "--quiet",
                "--preserve-digests",
                "--digestfile",
                str(digest_file),
                f"oci:{staging}:{output.tag}",
                f"containers-storage:{output.image_name}",
            ]
            try:
                proc.run(argv, env=self.env)
            except CommandFailed as exc:
                raise ExportFailed(
                    f"importing the image into containers-storage as {output.image_name} failed "
                    f"(skopeo exit status {exc.returncode})",
                    hint="see skopeo's message below; if it is about storage, check "
                    "CONTAINERS_STORAGE_CONF and that the store is writable",
                    details=exc.output,
                ) from exc
            digest = digest_file.read_text(encoding="utf-8").strip()
        return ExportResult(str(output), digest, written.config_digest, self.name)
