"""End to end: build samples with real go and the default exporter; run and inspect the image.

What every exporter must do for every image (run, unpack, one layer per launch layer, the same
digest twice, archives, tags, surviving a kill) is checked once per exporter in
test_exporter_contract.py.
"""

from __future__ import annotations

import json
import shutil

import pytest
from helpers import (
    SAMPLES,
    assert_runtime_config,
    http_get,
    index_digest,
    running_container,
    skopeo_config,
    umoci_unpack,
)

pytestmark = [pytest.mark.e2e, pytest.mark.buildah, pytest.mark.podman]


def test_withdeps_fetches_modules_and_answers_json(cli, tmp_path):
    out = tmp_path / "layout"
    result = cli("build", SAMPLES / "withdeps", "--output", f"oci:{out}:latest")
    assert result.code == 0, result.err
    assert_runtime_config(skopeo_config(f"oci:{out}:latest"), "withdeps")
    umoci_unpack(out, "latest", tmp_path / "unpacked")
    with running_container(f"oci:{out}:latest") as url:
        answer = json.loads(http_get(f"{url}/hello/gopher"))
    assert answer["hello"] == "gopher"
    assert len(answer["request_id"]) == 36  # a UUID from github.com/google/uuid


def test_json_report(cli, tmp_path):
    out = tmp_path / "layout"
    result = cli("build", SAMPLES / "hello", "--output", f"oci:{out}", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["image"]["reference"] == f"oci:{out}:latest"
    assert report["image"]["digest"] == index_digest(out, "latest")
    assert report["image"]["exporter"] == "buildah"  # auto, with buildah installed
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
