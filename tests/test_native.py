"""The native OCI writer on its own: no Go, no Buildah, only the standard library reading back."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest
from helpers import blob_path, index_digest, layer_entries, read_manifest

from gobuildpack.errors import BuildFailed, MissingProgram, UsageError
from gobuildpack.exporters.native import (
    GZIP_LEVEL,
    LAYER_MEDIA_TYPE,
    NativeExporter,
    write_image,
    write_layer_blob,
)
from gobuildpack.log import Log
from gobuildpack.model import BuildpackInfo, ImageConfig, ImageSpec, Layer, Platform
from gobuildpack.oci.layer import write_layer_tar
from gobuildpack.oci.output import parse_output

CREATED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
BASE_BP = BuildpackInfo("example/base", "1.0.0")
APP_BP = BuildpackInfo("example/app", "2.0.0")
QUIET = Log(quiet=True)


def _files(root: Path, files: dict[str, bytes], mtime: int, umask: int = 0o022) -> Path:
    old = os.umask(umask)
    try:
        for rel, data in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            if rel.startswith("bin/"):
                path.chmod(0o777 & ~umask)
    finally:
        os.umask(old)
    for path in [root, *root.rglob("*")]:
        os.utime(path, (mtime, mtime))
    return root


def _spec(root: Path, *, mtime: int = 1_000_000, umask: int = 0o022) -> ImageSpec:
    base = Layer(
        BASE_BP,
        "base",
        _files(root / "base", {"etc/passwd": b"root:x:0:0::/:/sbin/nologin\n"}, mtime, umask),
        launch=True,
        image_path="/",
    )
    app = Layer(
        APP_BP,
        "app",
        _files(root / "app", {"bin/app": b"\x7fELF" + bytes(range(256)) * 64}, mtime, umask),
        launch=True,
    )
    config = ImageConfig(
        entrypoint=["/layers/example_app/app/bin/app"],
        cmd=["--serve"],
        env={"PATH": "/layers/example_app/app/bin:/bin", "HOME": "/home/nonroot"},
        user="65532:65532",
        working_dir="/workspace",
        labels={"b.label": "2", "a.label": "1"},
        annotations={"org.opencontainers.image.created": "2024-05-06T07:08:09Z"},
        exposed_ports=["8080", "9090/udp"],
    )
    return ImageSpec(
        layers=[base, app],
        config=config,
        created=CREATED,
        platform=Platform("linux", "arm64", "v8"),
    )


def _blob(layout: Path, digest: str) -> bytes:
    data = blob_path(layout, digest).read_bytes()
    assert f"sha256:{hashlib.sha256(data).hexdigest()}" == digest
    return data


def _json_blob(layout: Path, digest: str) -> dict:
    result: dict = json.loads(_blob(layout, digest))
    return result


def test_config_manifest_and_index_fields(tmp_path):
    spec = _spec(tmp_path / "src")
    layout = tmp_path / "layout"
    written = write_image(spec, layout, "v1")

    assert json.loads((layout / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads((layout / "index.json").read_text())
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    [desc] = index["manifests"]
    assert desc == written.descriptor
    assert desc["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert desc["annotations"] == {"org.opencontainers.image.ref.name": "v1"}
    assert desc["platform"] == {"architecture": "arm64", "os": "linux", "variant": "v8"}
    assert desc["size"] == len(_blob(layout, desc["digest"]))

    manifest = read_manifest(layout, "v1")
    assert manifest["schemaVersion"] == 2
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert manifest["annotations"] == {"org.opencontainers.image.created": "2024-05-06T07:08:09Z"}
    assert manifest["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json"
    assert manifest["config"]["digest"] == written.config_digest
    assert [layer["mediaType"] for layer in manifest["layers"]] == [LAYER_MEDIA_TYPE] * 2
    for layer in manifest["layers"]:
        assert layer["size"] == len(_blob(layout, layer["digest"]))

    config = _json_blob(layout, manifest["config"]["digest"])
    assert config["created"] == "2024-05-06T07:08:09Z"
    assert (config["architecture"], config["os"], config["variant"]) == ("arm64", "linux", "v8")
    assert config["config"] == {
        "User": "65532:65532",
        "ExposedPorts": {"8080/tcp": {}, "9090/udp": {}},
        "Env": ["PATH=/layers/example_app/app/bin:/bin", "HOME=/home/nonroot"],
        "Entrypoint": ["/layers/example_app/app/bin/app"],
        "Cmd": ["--serve"],
        "WorkingDir": "/workspace",
        "Labels": {"a.label": "1", "b.label": "2"},
    }
    assert config["rootfs"]["type"] == "layers"
    assert config["history"] == [
        {"created": "2024-05-06T07:08:09Z", "created_by": "gobuildpack example/base/base"},
        {"created": "2024-05-06T07:08:09Z", "created_by": "gobuildpack example/app/app"},
    ]


def test_one_gzip_layer_per_launch_layer_with_diff_ids_of_the_uncompressed_tars(tmp_path):
    spec = _spec(tmp_path / "src")
    layout = tmp_path / "layout"
    write_image(spec, layout, "latest")
    manifest = read_manifest(layout, "latest")
    config = _json_blob(layout, manifest["config"]["digest"])
    assert len(manifest["layers"]) == len(config["rootfs"]["diff_ids"]) == len(spec.layers)
    for layer, desc, diff_id in zip(
        spec.layers, manifest["layers"], config["rootfs"]["diff_ids"], strict=True
    ):
        compressed = _blob(layout, desc["digest"])
        # A gzip member with no time stamp and no file name: the same bytes whenever it is made.
        assert compressed[:4] == b"\x1f\x8b\x08\x00"  # magic, deflate, no FNAME/FEXTRA/FCOMMENT
        assert compressed[4:8] == b"\x00\x00\x00\x00"  # MTIME 0
        uncompressed = gzip.decompress(compressed)
        expected = io.BytesIO()
        write_layer_tar(layer, expected)
        assert uncompressed == expected.getvalue()
        assert diff_id == f"sha256:{hashlib.sha256(uncompressed).hexdigest()}"
    base, app = layer_entries(layout, "latest")
    assert base == {"etc", "etc/passwd"}
    assert "layers/example_app/app/bin/app" in app


def test_same_inputs_give_byte_identical_blobs(tmp_path):
    one = _spec(tmp_path / "one", mtime=1_000_000, umask=0o022)
    two = _spec(tmp_path / "two", mtime=1_700_000_000, umask=0o077)
    first = write_image(one, tmp_path / "a", "latest")
    second = write_image(two, tmp_path / "b", "latest")
    assert first.descriptor["digest"] == second.descriptor["digest"]

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}

    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_a_different_compression_level_would_change_the_digest(tmp_path):
    """The level is part of what makes the bytes: pinning it is what keeps digests stable."""
    spec = _spec(tmp_path / "src")
    blobs = {}
    for level in (GZIP_LEVEL, 9):
        directory = tmp_path / f"level-{level}"
        directory.mkdir()
        blobs[level] = write_layer_blob(spec.layers[1], directory, level=level)
    assert blobs[GZIP_LEVEL].diff_id == blobs[9].diff_id
    assert blobs[GZIP_LEVEL].digest != blobs[9].digest


def test_exporter_writes_tags_side_by_side_and_archives(tmp_path):
    spec = _spec(tmp_path / "src")
    out = tmp_path / "layout"
    exporter = NativeExporter({}, scratch=tmp_path / "scratch")
    first = exporter.export(spec, parse_output(f"oci:{out}:one"), QUIET)
    spec.config.labels["c.label"] = "3"
    second = exporter.export(spec, parse_output(f"oci:{out}:two"), QUIET)
    assert first.digest != second.digest
    assert (index_digest(out, "one"), index_digest(out, "two")) == (first.digest, second.digest)
    assert first.exporter == "native" and first.reference == f"oci:{out}:one"
    assert first.image_id == read_manifest(out, "one")["config"]["digest"]
    assert not list(tmp_path.glob(".layout.staging-*"))  # staging removed

    archive = exporter.export(spec, parse_output(f"oci-archive:{tmp_path / 'a.tar'}:two"), QUIET)
    assert archive.digest == second.digest
    with tarfile.open(tmp_path / "a.tar") as tar:
        tar.extractall(tmp_path / "extracted", filter="data")
    assert index_digest(tmp_path / "extracted", "two") == second.digest


def test_failed_export_keeps_the_previous_image(tmp_path):
    spec = _spec(tmp_path / "src")
    out = tmp_path / "layout"
    exporter = NativeExporter({})
    exporter.export(spec, parse_output(f"oci:{out}:latest"), QUIET)
    before = sorted((p.relative_to(out), p.read_bytes()) for p in out.rglob("*") if p.is_file())
    os.mkfifo(spec.layers[1].path / "bin" / "pipe")  # the tar writer refuses it midway
    with pytest.raises(BuildFailed, match="not a regular file"):
        exporter.export(spec, parse_output(f"oci:{out}:latest"), QUIET)
    after = sorted((p.relative_to(out), p.read_bytes()) for p in out.rglob("*") if p.is_file())
    assert after == before
    assert not list(tmp_path.glob(".layout.staging-*"))


def test_a_base_image_is_refused_with_a_hint(tmp_path):
    spec = _spec(tmp_path / "src")
    spec.base = "docker.io/library/alpine:3"
    with pytest.raises(UsageError, match="scratch only") as info:
        NativeExporter({}).export(spec, parse_output(f"oci:{tmp_path / 'out'}"), QUIET)
    assert "--exporter buildah" in (info.value.hint or "")
    assert not (tmp_path / "out").exists()


def test_containers_storage_without_skopeo_names_the_package(tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    spec = _spec(tmp_path / "src")
    scratch = tmp_path / "scratch"
    exporter = NativeExporter({"PATH": str(empty)}, scratch=scratch)
    with pytest.raises(MissingProgram, match="skopeo") as info:
        exporter.export(spec, parse_output("containers-storage:localhost/app:dev"), QUIET)
    assert "apt-get install skopeo" in (info.value.hint or "")
    assert "oci:DIR" in (info.value.hint or "")
    assert not scratch.exists() or not any(scratch.iterdir())  # failed before any work


RSS_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    from datetime import datetime, timezone
    from pathlib import Path

    from gobuildpack.exporters.native import NativeExporter
    from gobuildpack.log import Log
    from gobuildpack.model import BuildpackInfo, ImageConfig, ImageSpec, Layer, Platform
    from gobuildpack.oci.output import parse_output

    layer = Layer(BuildpackInfo("example/big"), "big", Path(sys.argv[1]), launch=True)
    spec = ImageSpec([layer], ImageConfig(), datetime(2024, 1, 1, tzinfo=timezone.utc), Platform())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    NativeExporter({}).export(spec, parse_output("oci:" + sys.argv[2]), Log(quiet=True))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(before // 1024, after // 1024)  # ru_maxrss is in KiB on Linux
    """
)


def test_a_200_mb_layer_is_streamed_not_held_in_memory(tmp_path):
    content = tmp_path / "big"
    content.mkdir()
    # Half random, half zeros: the compressed side is large too (~100 MB), so neither side of
    # the compressor could be buffered whole without showing here.
    chunk = os.urandom(512 << 10) + bytes(512 << 10)
    with (content / "data.bin").open("wb") as fh:
        for _ in range(200):
            fh.write(chunk)
    out = tmp_path / "layout"
    result = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT, str(content), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    before_mb, peak_mb = map(int, result.stdout.split())
    layer = read_manifest(out, "latest")["layers"][0]
    assert layer["size"] > 90_000_000  # the export really wrote the big layer
    assert peak_mb < 75, f"peak RSS {peak_mb} MB (before the export: {before_mb} MB)"
    assert peak_mb - before_mb < 40, f"the export grew RSS from {before_mb} to {peak_mb} MB"
