"""The layer blob cache: unchanged layers are not tarred or compressed again; a damaged cache
entry is detected and rebuilt, never used."""

from __future__ import annotations

import hashlib
import os
import shutil

from helpers import SAMPLES, index_digest, umoci_unpack

from gobuildpack.model import BuildpackInfo, Layer
from gobuildpack.oci.blobcache import BlobCache, CachedBlob
from gobuildpack.oci.layer import layer_content_key


def _layer(tmp_path, name="l", text="hello"):
    root = tmp_path / name
    root.mkdir()
    (root / "file.txt").write_text(text)
    return Layer(BuildpackInfo("t/bp"), name, root, launch=True)


def test_content_key_follows_content_mode_and_owner(tmp_path):
    one = _layer(tmp_path, "a")
    key = layer_content_key(one)
    assert layer_content_key(_layer(tmp_path, "b")) != key  # another layer path in the image
    same = Layer(BuildpackInfo("t/bp"), "a", one.path, launch=True)
    assert layer_content_key(same) == key
    (one.path / "file.txt").write_text("hellO")
    assert layer_content_key(one) != key
    (one.path / "file.txt").write_text("hello")
    assert layer_content_key(one) == key
    one.owners["file.txt"] = (1, 1)
    assert layer_content_key(one) != key
    assert layer_content_key(same, salt="gzip-9") != key


def test_damaged_or_missing_blobs_are_never_used(tmp_path):
    cache = BlobCache(tmp_path / "cache")
    blob_file = tmp_path / "blob"
    blob_file.write_bytes(b"compressed bytes")
    digest = "sha256:" + hashlib.sha256(b"compressed bytes").hexdigest()
    blob = CachedBlob(digest, len(b"compressed bytes"), "sha256:" + "0" * 64)
    cache.put("k", blob, blob_file)
    assert cache.get("k") == blob

    stored = cache.blobs / digest.removeprefix("sha256:")
    stored.unlink()
    stored.write_bytes(b"compressed bytez")  # same size, other content
    assert cache.get("k") is None
    assert not (cache.keys / "k.json").exists()  # the record is dropped

    cache.put("k", blob, blob_file)
    stored.unlink()
    assert cache.get("k") is None

    (cache.keys / "bad.json").write_text("{not json")
    assert cache.get("bad") is None


def test_trim_keeps_the_most_recently_used(tmp_path):
    cache = BlobCache(tmp_path / "cache", limit_mb=0)
    cache.limit = 25
    for i, name in enumerate(["old", "mid", "new"]):
        data = bytes([i]) * 10
        path = tmp_path / name
        path.write_bytes(data)
        blob = CachedBlob("sha256:" + hashlib.sha256(data).hexdigest(), 10, "x")
        cache.put(name, blob, path)
        os.utime(cache.keys / f"{name}.json", (1000 + i, 1000 + i))
    cache.trim()
    assert sorted(p.stem for p in cache.keys.glob("*.json")) == ["mid", "new"]
    assert len(list(cache.blobs.iterdir())) == 2


def test_rebuild_reuses_unchanged_layers_and_recovers_from_a_corrupt_cache(
    cli, tmp_path, fresh_cache
):
    app = shutil.copytree(SAMPLES / "multi-cmd", tmp_path / "multi-cmd")
    out = tmp_path / "layout"
    first = cli("build", app, "--exporter", "native", "-o", f"oci:{out}:one")
    assert first.code == 0, first.err
    assert first.err.count(" written in ") == 3

    worker = app / "cmd" / "worker" / "main.go"
    worker.write_text(worker.read_text().replace("worker: done", "worker: finished"))
    second = cli("build", app, "--exporter", "native", "-o", f"oci:{out}:two")
    assert second.code == 0, second.err
    assert "targets.worker: " in second.err
    reused = [line for line in second.err.splitlines() if " reused in " in line]
    assert [line.split()[1].rstrip(":") for line in reused] == [
        "gobuildpack/run-base/base",
        "gobuildpack/go-build/targets.api",
    ]

    # Damage every cached blob: the next build must notice, write the layers again, and give
    # the same, valid image.
    for blob in (fresh_cache / "blobs" / "sha256").iterdir():
        blob.chmod(0o644)
        data = bytearray(blob.read_bytes())
        data[len(data) // 2] ^= 0xFF
        blob.write_bytes(bytes(data))
    third = cli("build", app, "--exporter", "native", "-o", f"oci:{tmp_path / 'fresh'}:two")
    assert third.code == 0, third.err
    assert " reused in " not in third.err
    assert index_digest(tmp_path / "fresh", "two") == index_digest(out, "two")
    umoci_unpack(tmp_path / "fresh", "two", tmp_path / "unpacked")
