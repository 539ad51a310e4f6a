"""Rebuilds skip what did not change: go build, when nothing it reads has changed."""

from __future__ import annotations

import shutil

import pytest
from helpers import SAMPLES, podman_run

pytestmark = [pytest.mark.e2e, pytest.mark.buildah]


def test_unchanged_rebuild_skips_go_build_and_a_change_does_not(cli, tmp_path):
    app = shutil.copytree(SAMPLES / "multi-cmd", tmp_path / "multi-cmd")
    out = f"oci:{tmp_path / 'layout'}"
    first = cli("build", app, "--output", out)
    assert first.code == 0, first.err
    assert "go build (api, worker): done" in first.err

    again = cli("build", app, "--output", out, "--rebuild")  # past the up-to-date check
    assert again.code == 0, again.err
    assert "go build (api, worker): up to date" in again.err
    assert again.out == first.out  # same image

    source = app / "internal" / "greeting" / "greeting.go"
    source.write_text(source.read_text().replace("built by gobuildpack", "rebuilt by gobuildpack"))
    changed = cli("build", app, "--output", out)
    assert changed.code == 0, changed.err
    assert "go build (api, worker): done" in changed.err
    assert changed.out.split()[1] != first.out.split()[1]
    assert podman_run(f"{out}:latest").startswith("api: rebuilt by gobuildpack")


def test_changed_flags_rebuild(cli, tmp_path):
    app = shutil.copytree(SAMPLES / "hello", tmp_path / "hello")
    out = f"oci:{tmp_path / 'layout'}"
    assert cli("build", app, "--output", out).code == 0
    flagged = cli("build", app, "--output", out, "--env", "BP_GO_BUILD_LDFLAGS=-s -w -X main.x=1")
    assert flagged.code == 0, flagged.err
    assert "go build (hello): done" in flagged.err


def test_a_damaged_cached_binary_is_rebuilt_not_exported(cli, tmp_path, fresh_cache):
    app = shutil.copytree(SAMPLES / "hello", tmp_path / "hello")
    out = f"oci:{tmp_path / 'layout'}"
    first = cli("build", app, "--output", out)
    assert first.code == 0, first.err
    (cached,) = (fresh_cache / "layers").glob("*/gobuildpack_go-build/targets/bin/hello")
    data = bytearray(cached.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other content
    cached.write_bytes(bytes(data))

    again = cli("build", app, "--output", out, "--rebuild")
    assert again.code == 0, again.err
    assert "go build (hello): done" in again.err  # not "up to date": the digest did not match
    assert again.out == first.out
