"""An installable plugin package, found through its entry point: samples/plugins/stamp-plugin."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import SAMPLES, podman_run, skopeo_config

pytestmark = [pytest.mark.e2e, pytest.mark.buildah, pytest.mark.podman]


@pytest.fixture(scope="module")
def stamp_site(tmp_path_factory):
    """The plugin installed with pip into a directory of its own (the venv stays clean)."""
    site = tmp_path_factory.mktemp("stamp-site")
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
            "--target", str(site),
            str(SAMPLES / "plugins" / "stamp-plugin"),
        ],
        check=True,
    )  # fmt: skip
    return site


def _gobuildpack(site, *args, **env):
    full = {**os.environ, "PYTHONPATH": str(site), **env}
    return subprocess.run(
        [sys.executable, "-m", "gobuildpack", *map(str, args)],
        capture_output=True,
        text=True,
        env=full,
    )


def test_installed_plugin_is_listed_with_its_version(stamp_site):
    result = _gobuildpack(stamp_site, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    stamp = next(p for p in json.loads(result.stdout) if p["name"] == "stamp")
    assert stamp["source"] == "entrypoint"
    assert stamp["version"] == "0.1.0"
    assert stamp["hooks"] == ["gobuildpack_before_build", "gobuildpack_configure_image"]


def test_autoload_can_be_switched_off(stamp_site):
    result = _gobuildpack(stamp_site, "plugins", "--json", GOBUILDPACK_DISABLE_PLUGIN_AUTOLOAD="1")
    assert "stamp" not in [p["name"] for p in json.loads(result.stdout)]


def test_stamped_version_runs_and_labels(stamp_site, tmp_path):
    out = tmp_path / "layout"
    result = _gobuildpack(
        stamp_site,
        "build", SAMPLES / "stamped", "--output", f"oci:{out}",
        BP_STAMP_VERSION="1.4.2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "stamp: main.version=1.4.2" in result.stderr
    labels = skopeo_config(f"oci:{out}:latest")["config"]["Labels"]
    assert labels["org.opencontainers.image.version"] == "1.4.2"
    commit = labels["io.gobuildpack.stamp.commit"]
    assert commit == labels.get("org.opencontainers.image.revision", "unknown")
    output = podman_run(f"oci:{out}:latest")
    assert output == f"stamped version=1.4.2 commit={commit}\n"
