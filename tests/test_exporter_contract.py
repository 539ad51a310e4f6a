"""The exporter contract: Buildah and the native writer must give images that behave the same.

Every test runs once per exporter: the image runs in podman, passes ``umoci unpack`` (which
checks every digest, size and diff_id), has one layer per launch layer, is reproducible, can be
written as an archive or next to other tags, and survives the build being killed mid-export.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from helpers import (
    NONROOT,
    SAMPLES,
    assert_runtime_config,
    http_get,
    index_digest,
    layer_entries,
    podman_run,
    read_manifest,
    running_container,
    skopeo_config,
    umoci_unpack,
)

pytestmark = [pytest.mark.e2e]

EXPORTERS = [pytest.param("buildah", marks=pytest.mark.buildah), "native"]

# What each launch layer of a sample holds, in image order: a file it must hold, and one it must
# not (because another layer holds it).
BASE_FILE = "etc/passwd"


def _binary(name: str) -> str:
    return f"layers/gobuildpack_go-build/targets/bin/{name}"


def _build(cli, app: Path, output: str, exporter: str, *extra: str) -> tuple[str, dict]:
    """Build ``app`` with ``exporter``; return the manifest digest and the JSON report."""
    result = cli("build", app, "--output", output, "--exporter", exporter, "--json", *extra)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["image"]["exporter"] == exporter
    assert report["image"]["reference"].startswith(output)
    return report["image"]["digest"], report


def _assert_one_layer_per_launch_layer(layout: Path, tag: str, report: dict, binaries: list[str]):
    """run-base's files in the first layer, then each binary in a layer of its own."""
    launch = [(layer["buildpack"], layer["name"]) for layer in report["layers"]]
    assert launch == [("gobuildpack/run-base", "base")] + [
        ("gobuildpack/go-build", f"targets.{binary}") for binary in binaries
    ]
    base, *per_binary = layer_entries(layout, tag)
    assert BASE_FILE in base and not any(name.startswith("layers/") for name in base)
    assert len(per_binary) == len(binaries)
    for binary, entries in zip(binaries, per_binary, strict=True):
        assert BASE_FILE not in entries
        assert _binary(binary) in entries and _binary(binary) not in base
        others = [_binary(b) for b in binaries if b != binary]
        assert not any(other in entries for other in others)


@pytest.mark.podman
@pytest.mark.parametrize("exporter", EXPORTERS)
def test_hello_serves_http_unpacks_and_has_a_layer_per_launch_layer(cli, tmp_path, exporter):
    out = tmp_path / "layout"
    result = cli(
        "build", SAMPLES / "hello", "--output", f"oci:{out}:latest", "--exporter", exporter
    )
    assert result.code == 0, result.err
    reference, digest = result.out.split()
    assert reference == f"oci:{out}:latest"
    assert digest == index_digest(out, "latest")
    assert "DETECTING" in result.err and "EXPORTING" in result.err  # progress on stderr
    assert f"exporter: {exporter}" in result.err

    assert_runtime_config(skopeo_config(f"oci:{out}:latest"), "hello")
    manifest = read_manifest(out, "latest")
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert manifest["annotations"]["org.opencontainers.image.created"]

    rootfs = umoci_unpack(out, "latest", tmp_path / "unpacked")
    assert (rootfs / "etc/ssl/certs/ca-certificates.crt").stat().st_size > 1000
    assert "nonroot:x:65532:65532:" in (rootfs / "etc/passwd").read_text()
    assert (rootfs / "tmp").stat().st_mode & 0o1777 == 0o1777
    assert (rootfs / "home/nonroot").stat().st_uid == 65532
    binary = rootfs / _binary("hello")
    st = binary.stat()
    assert (st.st_uid, st.st_gid) == (0, 0)
    assert st.st_mode & 0o777 == 0o755
    assert binary.read_bytes()[:4] == b"\x7fELF"
    assert b"/lib64/ld-linux" not in binary.read_bytes()  # no dynamic loader: static

    with running_container(f"oci:{out}:latest") as url:
        assert http_get(f"{url}/healthz") == "ok\n"
        assert "uid 65532" in http_get(f"{url}/")

    _, report = _build(cli, SAMPLES / "hello", f"oci:{out}:again", exporter)
    _assert_one_layer_per_launch_layer(out, "again", report, ["hello"])


@pytest.mark.podman
@pytest.mark.parametrize("exporter", EXPORTERS)
def test_multi_cmd_runs_both_binaries_from_a_layout_and_from_containers_storage(
    cli, tmp_path, exporter
):
    out = tmp_path / "layout"
    digest, report = _build(cli, SAMPLES / "multi-cmd", f"oci:{out}:latest", exporter)
    _assert_one_layer_per_launch_layer(out, "latest", report, ["api", "worker"])
    umoci_unpack(out, "latest", tmp_path / "unpacked")
    config = skopeo_config(f"oci:{out}:latest")
    assert_runtime_config(config, "api")
    processes = json.loads(config["config"]["Labels"]["io.buildpacks.build.metadata"])["processes"]
    assert [p["type"] for p in processes] == ["api", "worker"]

    name = f"localhost/gobuildpack-test/multi-cmd-{exporter}:dev"
    stored, _ = _build(cli, SAMPLES / "multi-cmd", f"containers-storage:{name}", exporter)
    if exporter == "native":
        assert stored == digest  # skopeo --preserve-digests: the same image either way
    else:
        assert stored.startswith("sha256:")  # Buildah stores layers uncompressed: another digest
    for image in (f"oci:{out}:latest", name):
        assert podman_run(image).strip() == "api: built by gobuildpack from example.com/multi-cmd"
        assert podman_run(image, "job-1", entrypoint="worker").splitlines() == [
            "worker: built by gobuildpack from example.com/multi-cmd",
            "worker: done job-1",
        ]


@pytest.mark.buildah
@pytest.mark.parametrize("sample", ["hello", "multi-cmd"])
def test_both_exporters_give_the_same_config_and_labels(cli, tmp_path, sample):
    configs = {}
    for exporter in ("buildah", "native"):
        out = tmp_path / exporter
        _build(cli, SAMPLES / sample, f"oci:{out}:latest", exporter)
        configs[exporter] = skopeo_config(f"oci:{out}:latest")
        binaries = {"hello": 1, "multi-cmd": 2}[sample]
        assert len(read_manifest(out, "latest")["layers"]) == 1 + binaries
    buildah, native = configs["buildah"], configs["native"]
    for key in ("Entrypoint", "User", "Env", "WorkingDir", "Labels"):
        assert buildah["config"].get(key) == native["config"].get(key), key
    assert native["config"]["User"] == NONROOT
    for key in ("architecture", "os", "created"):
        assert buildah[key] == native[key], key


def _copy_with_mtime(sample: str, dest: Path, mtime: int) -> Path:
    app = shutil.copytree(SAMPLES / sample, dest)
    for path in [app, *app.rglob("*")]:
        os.utime(path, (mtime, mtime))
    return app


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_same_source_in_two_places_gives_the_same_digest(cli, tmp_path, exporter):
    one = _copy_with_mtime("hello", tmp_path / "one" / "hello", 1_000_000_000)
    two = _copy_with_mtime("hello", tmp_path / "elsewhere" / "hello-copy", 1_700_000_000)
    first, _ = _build(cli, one, f"oci:{tmp_path / 'a'}:latest", exporter)
    second, _ = _build(cli, two, f"oci:{tmp_path / 'b'}:latest", exporter)
    assert first == second


@pytest.mark.podman
@pytest.mark.parametrize("exporter", EXPORTERS)
def test_oci_archive_output_is_a_valid_layout(cli, tmp_path, exporter):
    archive = tmp_path / "hello.tar"
    digest, _ = _build(cli, SAMPLES / "hello", f"oci-archive:{archive}:v1", exporter)
    assert_runtime_config(skopeo_config(f"oci-archive:{archive}:v1"), "hello")
    extracted = tmp_path / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extracted, filter="data")
    assert index_digest(extracted, "v1") == digest
    umoci_unpack(extracted, "v1", tmp_path / "unpacked")
    with running_container(f"oci-archive:{archive}:v1") as url:
        assert http_get(f"{url}/healthz") == "ok\n"


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_second_tag_keeps_the_first(cli, tmp_path, exporter):
    out = tmp_path / "layout"
    first, _ = _build(cli, SAMPLES / "hello", f"oci:{out}:one", exporter)
    second, _ = _build(cli, SAMPLES / "multi-cmd", f"oci:{out}:two", exporter)
    assert index_digest(out, "one") == first
    assert index_digest(out, "two") == second
    umoci_unpack(out, "one", tmp_path / "one")
    umoci_unpack(out, "two", tmp_path / "two")


# A buildpack that adds a big launch layer, so the export takes long enough to be killed midway.
BIG_LAYER_PLUGIN = """
import os

from gobuildpack import hookimpl


@hookimpl
def gobuildpack_build(context):
    layer = context.layer("big", launch=True)
    chunk = os.urandom(1 << 20)  # random: compresses to no less, so it takes a while
    with open(layer.path / "big.bin", "wb") as fh:
        for _ in range(256):
            fh.write(chunk)
"""


def _staged_bytes(parent: Path) -> int:
    total = 0
    for staging in parent.glob(".layout.staging-*"):
        for path in staging.rglob("*"):
            try:
                if path.is_file():
                    total += path.stat().st_size
            except FileNotFoundError:  # renamed while we looked
                pass
    return total


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_killed_export_leaves_the_previous_image_intact(cli, tmp_path, exporter):
    out = tmp_path / "layout"
    before, _ = _build(cli, SAMPLES / "hello", f"oci:{out}:latest", exporter)
    index_before = (out / "index.json").read_bytes()
    plugin = tmp_path / "big-layer"
    plugin.mkdir()
    (plugin / "plugin.py").write_text(BIG_LAYER_PLUGIN)

    argv = [sys.executable, "-m", "gobuildpack", "build", str(SAMPLES / "hello")]
    argv += ["--buildpack", str(plugin), "--exporter", exporter, "--output", f"oci:{out}:latest"]
    child = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: buildah dies with it
    )
    try:
        # Wait until the exporter has staged more than the two small layers, i.e. it is
        # writing the big one, then kill the build and everything it started.
        deadline = time.monotonic() + 240
        while _staged_bytes(tmp_path) < 8 << 20:
            assert child.poll() is None, f"the build ended (status {child.returncode}) unkilled"
            assert time.monotonic() < deadline, "the export never started staging"
            time.sleep(0.01)
        os.killpg(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert list(tmp_path.glob(".layout.staging-*")), "killed after the export had finished"

    assert (out / "index.json").read_bytes() == index_before
    assert index_digest(out, "latest") == before
    umoci_unpack(out, "latest", tmp_path / "unpacked")


def _copy_with_umask(sample: str, dest: Path, umask: int, mtime: int) -> Path:
    """A copy as a checkout made under ``umask`` would have it, all files stamped ``mtime``."""
    app = shutil.copytree(SAMPLES / sample, dest)
    for path in [app, *app.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)
        os.utime(path, (mtime, mtime))
    return app


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("sample", ["hello", "multi-cmd", "withdeps"])
def test_each_sample_is_reproducible_across_copies_umasks_and_time(cli, tmp_path, exporter, sample):
    one = _copy_with_umask(sample, tmp_path / "checkout-a" / sample, 0o022, 1_000_000_000)
    two = _copy_with_umask(sample, tmp_path / "b" / "deeper" / "copy", 0o002, 1_700_000_000)
    first, _ = _build(cli, one, f"oci:{tmp_path / 'a'}:latest", exporter)
    time.sleep(1.1)  # a different second on the clock
    second, _ = _build(cli, two, f"oci:{tmp_path / 'b-out'}:latest", exporter)
    assert first == second


@pytest.mark.parametrize("exporter", EXPORTERS)
def test_changing_one_command_changes_exactly_one_layer(cli, tmp_path, exporter):
    app = shutil.copytree(SAMPLES / "multi-cmd", tmp_path / "multi-cmd")
    out = tmp_path / "layout"
    _, report = _build(cli, app, f"oci:{out}:before", exporter)
    worker = app / "cmd" / "worker" / "main.go"
    worker.write_text(worker.read_text().replace("worker: done", "worker: finished"))
    _build(cli, app, f"oci:{out}:after", exporter)

    before = read_manifest(out, "before")["layers"]
    after = read_manifest(out, "after")["layers"]
    names = [layer["name"] for layer in report["layers"]]
    assert names == ["base", "targets.api", "targets.worker"]
    changed = [names[i] for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == ["targets.worker"]
