"""End to end: build every sample with real go and Buildah; run, inspect and verify the image."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import pytest
from helpers import (
    SAMPLES,
    http_get,
    index_digest,
    podman_run,
    running_container,
    skopeo_config,
    umoci_unpack,
)

pytestmark = [pytest.mark.e2e, pytest.mark.buildah, pytest.mark.podman]

NONROOT = "65532:65532"


def _assert_runtime_config(config: dict, entrypoint_name: str) -> None:
    cfg = config["config"]
    assert cfg["User"] == NONROOT
    assert cfg["Entrypoint"] == [f"/layers/gobuildpack_go-build/targets/bin/{entrypoint_name}"]
    assert cfg["WorkingDir"] == "/workspace"
    labels = cfg["Labels"]
    metadata = json.loads(labels["io.buildpacks.build.metadata"])
    assert metadata["processes"][0]["type"] == entrypoint_name
    assert metadata["processes"][0]["default"] is True
    assert {bp["id"] for bp in metadata["buildpacks"]} >= {
        "gobuildpack/go-dist",
        "gobuildpack/go-mod",
        "gobuildpack/go-build",
        "gobuildpack/run-base",
    }
    assert "org.opencontainers.image.created" in labels
    assert "org.opencontainers.image.source" in labels
    assert config["os"] == "linux"


def test_hello_serves_http_from_an_oci_layout(cli, tmp_path):
    out = tmp_path / "layout"
    result = cli("build", SAMPLES / "hello", "--output", f"oci:{out}:latest")
    assert result.code == 0, result.err
    reference, digest = result.out.split()
    assert reference == f"oci:{out}:latest"
    assert digest == index_digest(out, "latest")
    assert "DETECTING" in result.err and "EXPORTING" in result.err  # progress on stderr

    config = skopeo_config(f"oci:{out}:latest")
    _assert_runtime_config(config, "hello")

    rootfs = umoci_unpack(out, "latest", tmp_path / "unpacked")
    assert (rootfs / "etc/ssl/certs/ca-certificates.crt").stat().st_size > 1000
    passwd = (rootfs / "etc/passwd").read_text()
    assert "nonroot:x:65532:65532:" in passwd
    assert (rootfs / "tmp").stat().st_mode & 0o1777 == 0o1777
    assert (rootfs / "home/nonroot").stat().st_uid == 65532

    with running_container(f"oci:{out}:latest") as url:
        assert http_get(f"{url}/healthz") == "ok\n"
        assert "uid 65532" in http_get(f"{url}/")


def test_withdeps_fetches_modules_and_answers_json(cli, tmp_path):
    out = tmp_path / "layout"
    result = cli("build", SAMPLES / "withdeps", "--output", f"oci:{out}:latest")
    assert result.code == 0, result.err
    _assert_runtime_config(skopeo_config(f"oci:{out}:latest"), "withdeps")
    umoci_unpack(out, "latest", tmp_path / "unpacked")
    with running_container(f"oci:{out}:latest") as url:
        answer = json.loads(http_get(f"{url}/hello/gopher"))
    assert answer["hello"] == "gopher"
    assert len(answer["request_id"]) == 36  # a UUID from github.com/google/uuid


def test_multi_cmd_gives_two_binaries_in_containers_storage(cli, tmp_path):
    name = "localhost/gobuildpack-test/multi-cmd:dev"
    result = cli("build", SAMPLES / "multi-cmd", "--output", f"containers-storage:{name}")
    assert result.code == 0, result.err
    reference, digest = result.out.split()
    assert reference == f"containers-storage:{name}"
    assert digest.startswith("sha256:")

    config = skopeo_config(f"containers-storage:{name}")
    _assert_runtime_config(config, "api")
    processes = json.loads(config["config"]["Labels"]["io.buildpacks.build.metadata"])["processes"]
    assert [p["type"] for p in processes] == ["api", "worker"]

    assert podman_run(name).strip() == "api: built by gobuildpack from example.com/multi-cmd"
    worker = podman_run(name, "job-1", entrypoint="worker")
    assert worker.splitlines() == [
        "worker: built by gobuildpack from example.com/multi-cmd",
        "worker: done job-1",
    ]


def test_oci_archive_output_is_a_valid_layout(cli, tmp_path):
    archive = tmp_path / "hello.tar"
    result = cli("build", SAMPLES / "hello", "--output", f"oci-archive:{archive}:v1")
    assert result.code == 0, result.err
    config = skopeo_config(f"oci-archive:{archive}:v1")
    _assert_runtime_config(config, "hello")
    extracted = tmp_path / "extracted"
    with tarfile.open(archive) as tar:
        tar.extractall(extracted, filter="data")
    umoci_unpack(extracted, "v1", tmp_path / "unpacked")
    with running_container(f"oci-archive:{archive}:v1") as url:
        assert http_get(f"{url}/healthz") == "ok\n"


def test_second_tag_keeps_the_first(cli, tmp_path):
    out = tmp_path / "layout"
    first = cli("build", SAMPLES / "hello", "--output", f"oci:{out}:one")
    second = cli("build", SAMPLES / "multi-cmd", "--output", f"oci:{out}:two")
    assert first.code == 0 and second.code == 0, first.err + second.err
    assert index_digest(out, "one") == first.out.split()[1]
    assert index_digest(out, "two") == second.out.split()[1]
    umoci_unpack(out, "one", tmp_path / "one")
    umoci_unpack(out, "two", tmp_path / "two")


def test_same_source_gives_same_digest(cli, tmp_path):
    a = cli("build", SAMPLES / "hello", "--output", f"oci:{tmp_path / 'a'}:latest")
    b = cli("build", SAMPLES / "hello", "--output", f"oci:{tmp_path / 'b'}:latest")
    assert a.code == b.code == 0
    assert a.out.split()[1] == b.out.split()[1]


def test_json_report(cli, tmp_path):
    out = tmp_path / "layout"
    result = cli("build", SAMPLES / "hello", "--output", f"oci:{out}", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["image"]["reference"] == f"oci:{out}:latest"
    assert report["image"]["digest"] == index_digest(out, "latest")
    assert report["plan"]["targets"] == [
        {"path": ".", "import_path": "example.com/hello", "name": "hello"}
    ]
    assert set(report["timings"]) == {"detect", "build", "export", "total"}


def test_default_output_is_local_containers_storage(cli, tmp_path):
    app = tmp_path / "My_App"
    shutil.copytree(SAMPLES / "hello", app)
    result = cli("build", app)
    assert result.code == 0, result.err
    assert result.out.split()[0] == "containers-storage:localhost/my_app:latest"
    with running_container("localhost/my_app:latest") as url:
        assert "uid 65532" in http_get(f"{url}/")


def test_layer_files_are_owned_by_root_and_binary_is_static(cli, tmp_path: Path):
    out = tmp_path / "layout"
    assert cli("build", SAMPLES / "hello", "--output", f"oci:{out}").code == 0
    rootfs = umoci_unpack(out, "latest", tmp_path / "unpacked")
    binary = rootfs / "layers/gobuildpack_go-build/targets/bin/hello"
    st = binary.stat()
    assert (st.st_uid, st.st_gid) == (0, 0)
    assert st.st_mode & 0o777 == 0o755
    head = binary.read_bytes()[:4096]
    assert head.startswith(b"\x7fELF")
    assert b"/lib64/ld-linux" not in binary.read_bytes()  # no dynamic loader: static
