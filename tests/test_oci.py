"""OCI pieces without any external tool: outputs, deterministic layer tars, layout publishing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import threading
from pathlib import Path

import pytest

from gobuildpack.errors import ExportFailed, UsageError
from gobuildpack.model import BuildpackInfo, Layer
from gobuildpack.oci.layer import FIXED_MTIME, write_layer_tar
from gobuildpack.oci.layout import find_manifest, publish_layout, read_index, write_archive
from gobuildpack.oci.output import Output, parse_output

BP = BuildpackInfo("example/bp", "1.0.0")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oci:out/hello", Output("oci", "out/hello", "latest")),
        ("oci:out/hello:v1", Output("oci", "out/hello", "v1")),
        ("oci:/abs/dir:1.2.3", Output("oci", "/abs/dir", "1.2.3")),
        ("oci:dir.v2/x", Output("oci", "dir.v2/x", "latest")),
        ("oci-archive:img.tar:dev", Output("oci-archive", "img.tar", "dev")),
        ("containers-storage:hello", Output("containers-storage", "localhost/hello", "latest")),
        (
            "containers-storage:localhost/hello:dev",
            Output("containers-storage", "localhost/hello", "dev"),
        ),
        (
            "containers-storage:registry.example:5000/team/app:1",
            Output("containers-storage", "registry.example:5000/team/app", "1"),
        ),
    ],
)
def test_parse_output(text, expected):
    assert parse_output(text) == expected


@pytest.mark.parametrize(
    "text",
    ["docker://x", "oci:", "hello", "containers-storage:Hello", "containers-storage:a@sha256:00"],
)
def test_parse_output_rejects(text):
    with pytest.raises(UsageError):
        parse_output(text)


def _tree(root: Path, umask: int, mtime: int) -> Path:
    old = os.umask(umask)
    try:
        (root / "bin").mkdir(parents=True)
        (root / "bin" / "app").write_bytes(b"\x7fELF fake binary")
        (root / "bin" / "app").chmod(0o777 & ~umask)
        (root / "share" / "b").mkdir(parents=True)
        (root / "share" / "a.txt").write_text("a")
        (root / "share" / "b" / "c.txt").write_text("c")
        (root / "link").symlink_to("bin/app")
    finally:
        os.umask(old)
    for path in root.rglob("*"):
        os.utime(path, (mtime, mtime), follow_symlinks=False)
    return root


def _tar_bytes(layer: Layer) -> bytes:
    buf = io.BytesIO()
    write_layer_tar(layer, buf)
    return buf.getvalue()


def test_layer_tar_is_deterministic_across_umask_and_mtime(tmp_path):
    one = Layer(BP, "stuff", _tree(tmp_path / "one", 0o022, 1_000_000), launch=True)
    two = Layer(BP, "stuff", _tree(tmp_path / "two", 0o002, 2_000_000), launch=True)
    assert hashlib.sha256(_tar_bytes(one)).digest() == hashlib.sha256(_tar_bytes(two)).digest()


def test_layer_tar_entries(tmp_path):
    layer = Layer(BP, "stuff", _tree(tmp_path / "t", 0o022, 5), launch=True)
    layer.owners["share"] = (65532, 65532)
    layer.modes["share/a.txt"] = 0o600
    with tarfile.open(fileobj=io.BytesIO(_tar_bytes(layer))) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == [
            "layers",
            "layers/example_bp",
            "layers/example_bp/stuff",
            "layers/example_bp/stuff/bin",
            "layers/example_bp/stuff/bin/app",
            "layers/example_bp/stuff/link",
            "layers/example_bp/stuff/share",
            "layers/example_bp/stuff/share/a.txt",
            "layers/example_bp/stuff/share/b",
            "layers/example_bp/stuff/share/b/c.txt",
        ]
        by_name = {m.name: m for m in members}
        for member in members:
            assert member.mtime == FIXED_MTIME
            assert member.uname == member.gname == ""
            assert not member.pax_headers  # no atime/ctime, nothing beyond ustar
        assert by_name["layers/example_bp/stuff/bin/app"].mode == 0o755
        assert by_name["layers/example_bp/stuff/share/a.txt"].mode == 0o600
        assert by_name["layers/example_bp/stuff/share/b/c.txt"].mode == 0o644
        share = by_name["layers/example_bp/stuff/share"]
        assert (share.uid, share.gid) == (65532, 65532)
        assert by_name["layers/example_bp/stuff/link"].linkname == "bin/app"
        app = tar.extractfile("layers/example_bp/stuff/bin/app")
        assert app is not None and app.read() == b"\x7fELF fake binary"


def test_root_overlay_layer_has_no_parents(tmp_path):
    (tmp_path / "r" / "etc").mkdir(parents=True)
    (tmp_path / "r" / "etc" / "passwd").write_text("root:x:0:0::/:/sbin/nologin\n")
    layer = Layer(BP, "base", tmp_path / "r", launch=True, image_path="/")
    with tarfile.open(fileobj=io.BytesIO(_tar_bytes(layer))) as tar:
        assert tar.getnames() == ["etc", "etc/passwd"]


def test_layer_refuses_special_files(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    os.mkfifo(root / "pipe")
    with pytest.raises(Exception, match="not a regular file, directory or symlink"):
        _tar_bytes(Layer(BP, "odd", root, launch=True))


def test_invalid_layer_name():
    with pytest.raises(ValueError, match="invalid layer name"):
        Layer(BP, "../escape", Path("/tmp"))


def _staged_image(root: Path, tag: str, payload: bytes) -> Path:
    """A minimal but well-formed layout with one image (config + manifest + one blob)."""
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)

    def put(data: bytes) -> dict[str, object]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    layer = put(payload)
    config = put(json.dumps({"architecture": "amd64", "os": "linux"}).encode())
    manifest = put(
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **layer}],
            }
        ).encode()
    )
    desc = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        **manifest,
        "annotations": {"org.opencontainers.image.ref.name": tag},
    }
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [desc]}))
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return root


def test_publish_merges_tags_and_replaces_same_tag(tmp_path):
    dest = tmp_path / "layout"
    a = publish_layout(_staged_image(tmp_path / "s1", "a", b"one"), dest, "a")
    b = publish_layout(_staged_image(tmp_path / "s2", "b", b"two"), dest, "b")
    a2 = publish_layout(_staged_image(tmp_path / "s3", "a", b"three"), dest, "a")
    assert find_manifest(dest, "b") == b
    assert find_manifest(dest, "a") == a2 != a
    assert len(read_index(dest)["manifests"]) == 2
    assert json.loads((dest / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}


def test_concurrent_publishes_keep_every_tag(tmp_path):
    dest = tmp_path / "layout"
    stages = [_staged_image(tmp_path / f"s{i}", f"t{i}", f"{i}".encode()) for i in range(16)]
    threads = [
        threading.Thread(target=publish_layout, args=(stage, dest, f"t{i}"))
        for i, stage in enumerate(stages)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(
        d["annotations"]["org.opencontainers.image.ref.name"] for d in read_index(dest)["manifests"]
    ) == sorted(f"t{i}" for i in range(16))


def test_publish_refuses_a_damaged_index(tmp_path):
    dest = tmp_path / "layout"
    dest.mkdir()
    (dest / "index.json").write_text("{not json")
    with pytest.raises(ExportFailed, match="cannot read the OCI index"):
        publish_layout(_staged_image(tmp_path / "s", "a", b"x"), dest, "a")
    assert (dest / "index.json").read_text() == "{not json"


def test_archive_is_deterministic_and_holds_one_image(tmp_path):
    stage = _staged_image(tmp_path / "s", "v1", b"payload")
    write_archive(stage, tmp_path / "a.tar", "v1")
    write_archive(stage, tmp_path / "b.tar", "v1")
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()
    with tarfile.open(tmp_path / "a.tar") as tar:
        names = tar.getnames()
        index = json.load(tar.extractfile("index.json"))  # type: ignore[arg-type]
    assert names[:4] == ["oci-layout", "index.json", "blobs", "blobs/sha256"]
    assert len(index["manifests"]) == 1
    assert not list(tmp_path.glob(".a.tar.*"))  # no temporary file left behind
