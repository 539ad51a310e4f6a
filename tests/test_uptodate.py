"""The up-to-date check: a build whose inputs have not changed is skipped, and anything that
could change the image (sources, git, environment, the output itself) brings the build back."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from helpers import SAMPLES, index_digest, run_tool

pytestmark = pytest.mark.buildah

UP_TO_DATE = "===> UP TO DATE"


@pytest.fixture
def app(tmp_path, fresh_cache):
    return shutil.copytree(SAMPLES / "hello", tmp_path / "hello")


def _build(cli, app, output, *extra):
    result = cli("build", app, "--output", output, *extra)
    assert result.code == 0, result.err
    return result


def test_unchanged_rebuild_is_skipped_and_prints_the_same_result(cli, app, tmp_path):
    out = f"oci:{tmp_path / 'layout'}:v1"
    first = _build(cli, app, out)
    assert UP_TO_DATE not in first.err
    second = _build(cli, app, out)
    assert UP_TO_DATE in second.err and "DETECTING" not in second.err
    assert second.out == first.out
    report = json.loads(_build(cli, app, out, "--json").out)
    assert report["up_to_date"] is True
    assert report["image"]["digest"] == first.out.split()[1]


@pytest.mark.parametrize(
    "change",
    [
        "source",
        "new file",
        "env",
        "flag",
        "output tag moved",
        "output blob gone",
        "output blob damaged",
        "rebuild",
    ],
)
def test_what_brings_the_build_back(cli, app, tmp_path, change):
    layout = tmp_path / "layout"
    out = f"oci:{layout}:v1"
    first = _build(cli, app, out)
    extra: list[str] = []
    if change == "source":
        (app / "main.go").write_text((app / "main.go").read_text().replace("Hello", "Howdy"))
    elif change == "new file":
        (app / "notes.txt").write_text("an embeddable file could be read by go build\n")
    elif change == "env":
        extra = ["--env", "BP_GO_BUILD_LDFLAGS=-s -w -X main.unused=1"]
    elif change == "flag":
        extra = ["--creation-time", "86400"]
    elif change == "output tag moved":
        _build(cli, SAMPLES / "multi-cmd", out)  # another image under the same tag
    elif change == "output blob gone":
        digest = index_digest(layout, "v1")
        manifest = json.loads((layout / "blobs" / "sha256" / digest[7:]).read_text())
        (layout / "blobs" / "sha256" / manifest["layers"][-1]["digest"][7:]).unlink()
    elif change == "output blob damaged":
        digest = index_digest(layout, "v1")
        manifest = json.loads((layout / "blobs" / "sha256" / digest[7:]).read_text())
        blob = layout / "blobs" / "sha256" / manifest["layers"][-1]["digest"][7:]
        data = bytearray(blob.read_bytes())
        data[-10] ^= 0xFF
        blob.write_bytes(bytes(data))
    elif change == "rebuild":
        extra = ["--rebuild"]
    again = _build(cli, app, out, *extra)
    assert UP_TO_DATE not in again.err
    assert "DETECTING" in again.err
    if change in ("output blob gone", "output blob damaged", "rebuild", "output tag moved"):
        assert again.out == first.out  # the same image, written again


def test_output_inside_the_app_is_not_an_input(cli, app):
    out = f"oci:{app / 'out' / 'image'}:latest"
    _build(cli, app, out)
    assert UP_TO_DATE in _build(cli, app, out).err


def test_a_new_git_commit_brings_the_build_back(cli, app, tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(app), *args], check=True, capture_output=True)

    def commit(message, *extra):
        git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message, *extra)

    git("init", "-q")
    commit("one", "--allow-empty")
    git("add", ".")
    commit("two")
    out = f"oci:{tmp_path / 'layout'}"
    first = _build(cli, app, out)
    assert UP_TO_DATE in _build(cli, app, out).err
    commit("three", "--allow-empty")
    after = _build(cli, app, out)
    assert UP_TO_DATE not in after.err
    assert after.out != first.out  # the revision label changed


def test_plugins_on_the_command_line_always_build(cli, app, tmp_path):
    plugin = tmp_path / "noop.py"
    plugin.write_text(
        "from gobuildpack import hookimpl\n\n@hookimpl\ndef gobuildpack_configure_image(image):\n"
        "    image.labels['x'] = 'y'\n"
    )
    out = f"oci:{tmp_path / 'layout'}"
    _build(cli, app, out, "--buildpack", plugin)
    assert UP_TO_DATE not in _build(cli, app, out, "--buildpack", plugin).err


@pytest.mark.podman
def test_containers_storage_output_is_checked_in_the_store(cli, app):
    name = "localhost/gobuildpack-test/uptodate:dev"
    out = f"containers-storage:{name}"
    _build(cli, app, out)
    assert UP_TO_DATE in _build(cli, app, out).err
    run_tool("podman", "rmi", "-f", name)
    assert UP_TO_DATE not in _build(cli, app, out).err


def test_archive_output_is_checked_on_disk(cli, app, tmp_path):
    archive = tmp_path / "image.tar"
    out = f"oci-archive:{archive}"
    _build(cli, app, out)
    assert UP_TO_DATE in _build(cli, app, out).err
    archive.write_bytes(archive.read_bytes() + b"\0" * 512)
    assert UP_TO_DATE not in _build(cli, app, out).err
