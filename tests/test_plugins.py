"""Phases are pluggy hooks: extra plugins contribute layers and labels; bad plugins are named."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from helpers import SAMPLES, skopeo_config, umoci_unpack

from gobuildpack import errors
from gobuildpack.plugins import BUILTIN_PLUGINS, load_plugins

EXTRA_LAYER_PLUGIN = '''
"""A third-party buildpack: one file layer and one label."""
from gobuildpack import hookimpl
from gobuildpack.model import BuildResult, DetectResult


@hookimpl
def gobuildpack_detect(context):
    # CNB plan rule: what a buildpack provides must be required by it or a later buildpack.
    return DetectResult(provides=["motd"], requires=["motd"])


@hookimpl
def gobuildpack_build(context):
    layer = context.layer("motd", launch=True)
    (layer.path / "motd.txt").write_text("built with an extra plugin\\n")
    return BuildResult(labels={"com.example.plugin": "extra-layer"})


@hookimpl
def gobuildpack_configure_image(image):
    image.env["MOTD_FILE"] = "/layers/extra_motd/motd/motd.txt"
'''


def _write_plugin(directory: Path, body: str, buildpack_id: str | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "plugin.py").write_text(textwrap.dedent(body))
    if buildpack_id:
        (directory / "buildpack.toml").write_text(
            f'api = "0.10"\n[buildpack]\nid = "{buildpack_id}"\nversion = "1.2.3"\n'
        )
    return directory


@pytest.mark.buildah
def test_extra_plugin_adds_a_layer_and_a_label(cli, tmp_path):
    plugin = _write_plugin(tmp_path / "motd-plugin", EXTRA_LAYER_PLUGIN, "extra/motd")
    out = tmp_path / "layout"
    result = cli("build", SAMPLES / "hello", "--buildpack", plugin, "--output", f"oci:{out}")
    assert result.code == 0, result.err

    config = skopeo_config(f"oci:{out}:latest")["config"]
    assert config["Labels"]["com.example.plugin"] == "extra-layer"
    assert "MOTD_FILE=/layers/extra_motd/motd/motd.txt" in config["Env"]
    metadata = json.loads(config["Labels"]["io.buildpacks.build.metadata"])
    assert {"id": "extra/motd", "version": "1.2.3"} in metadata["buildpacks"]

    rootfs = umoci_unpack(out, "latest", tmp_path / "unpacked")
    motd = rootfs / "layers/extra_motd/motd/motd.txt"
    assert motd.read_text() == "built with an extra plugin\n"
    assert (rootfs / "layers/gobuildpack_go-build/targets/bin/hello").is_file()


def test_plugins_command_lists_builtins_in_order(cli, tmp_path):
    plugin = _write_plugin(tmp_path / "motd-plugin", EXTRA_LAYER_PLUGIN, "extra/motd")
    result = cli("plugins", "--json", "--buildpack", plugin)
    assert result.code == 0, result.err
    listed = json.loads(result.out)
    names = [p["name"] for p in listed]
    assert names[: len(BUILTIN_PLUGINS)] == [
        "gobuildpack/run-base",
        "gobuildpack/go-dist",
        "gobuildpack/go-mod",
        "gobuildpack/go-build",
        "gobuildpack/app-files",
        "gobuildpack/image-labels",
        "gobuildpack.exporters",
    ]
    extra = listed[-1]
    assert extra["name"] == "extra/motd" and extra["source"] == "cli"
    assert extra["version"] == "1.2.3"
    assert extra["hooks"] == [
        "gobuildpack_build",
        "gobuildpack_configure_image",
        "gobuildpack_detect",
    ]
    human = cli("plugins")
    assert "gobuildpack/go-build 0.1.0 (builtin, buildpack gobuildpack/go-build)" in human.out


def test_plugin_raising_in_build_is_named(cli, tmp_path):
    plugin = _write_plugin(
        tmp_path / "broken",
        """
        from gobuildpack import hookimpl

        @hookimpl
        def gobuildpack_build(context):
            raise RuntimeError("disk on fire")
        """,
    )
    out = tmp_path / "out"
    result = cli("build", SAMPLES / "hello", "--buildpack", plugin, "--output", f"oci:{out}")
    assert result.code == errors.BuildFailed.exit_code
    assert "plugin 'broken' failed in hook gobuildpack_build: RuntimeError: disk on fire" in (
        result.err
    )
    assert not out.exists()


def test_plugin_raising_in_detect_gets_detects_code(cli, tmp_path):
    plugin = _write_plugin(
        tmp_path / "picky",
        """
        from gobuildpack import hookimpl

        @hookimpl
        def gobuildpack_detect(context):
            return 1 / 0
        """,
    )
    result = cli("detect", SAMPLES / "hello", "--buildpack", plugin)
    assert result.code == errors.DetectFailed.exit_code
    assert "plugin 'picky' failed in hook gobuildpack_detect: ZeroDivisionError" in result.err


def test_hook_with_wrong_signature_is_named(cli, tmp_path):
    plugin = _write_plugin(
        tmp_path / "wrongsig",
        """
        from gobuildpack import hookimpl

        @hookimpl
        def gobuildpack_build(context, colour):
            pass
        """,
    )
    result = cli("detect", SAMPLES / "hello", "--buildpack", plugin)
    assert result.code == errors.PluginLoadError.exit_code == 12
    assert "plugin 'wrongsig' does not fit the hook API" in result.err
    assert "gobuildpack_build" in result.err and "colour" in result.err


def test_misspelled_hook_is_reported(cli, tmp_path):
    plugin = _write_plugin(
        tmp_path / "typo",
        """
        from gobuildpack import hookimpl

        @hookimpl
        def gobuildpack_biuld(context):
            pass
        """,
    )
    result = cli("detect", SAMPLES / "hello", "--buildpack", plugin)
    assert result.code == 12
    assert "gobuildpack_biuld" in result.err


def test_plugin_that_fails_to_import_is_named(cli, tmp_path):
    plugin = _write_plugin(tmp_path / "noimport", "import module_that_does_not_exist\n")
    result = cli("detect", SAMPLES / "hello", "--buildpack", plugin)
    assert result.code == 12
    assert "failed to import" in result.err and "module_that_does_not_exist" in result.err


def test_failing_detect_of_a_required_buildpack(cli, tmp_path):
    plugin = _write_plugin(
        tmp_path / "needs-proto",
        """
        from gobuildpack import hookimpl
        from gobuildpack.model import DetectResult

        @hookimpl
        def gobuildpack_detect(context):
            if not (context.app.dir / "api.proto").exists():
                return DetectResult(passed=False, reason="no api.proto", hint="add api.proto")
        """,
    )
    result = cli("detect", SAMPLES / "hello", "--buildpack", plugin)
    assert result.code == errors.DetectFailed.exit_code
    assert "buildpack needs-proto did not pass detection: no api.proto" in result.err
    assert "add api.proto" in result.err


def test_unmet_requirement_fails_detection(cli, tmp_path):
    plugin = _write_plugin(
        tmp_path / "wants-node",
        """
        from gobuildpack import hookimpl
        from gobuildpack.model import DetectResult

        @hookimpl
        def gobuildpack_detect(context):
            return DetectResult(requires=["node"])
        """,
    )
    result = cli("detect", SAMPLES / "hello", "--buildpack", plugin)
    assert result.code == errors.DetectFailed.exit_code
    assert "requires node, which no buildpack in the group provides" in result.err


@pytest.mark.buildah
def test_later_plugin_sees_and_overrides_earlier_config(cli, tmp_path):
    plugin = _write_plugin(
        tmp_path / "rootful",
        """
        from gobuildpack import hookimpl

        @hookimpl
        def gobuildpack_detect(context):
            context.plan.ldflags += " -X main.flavour=plugin"

        @hookimpl
        def gobuildpack_configure_image(image):
            assert image.user == "65532:65532", image.user  # run-base ran first
            image.user = "1000:1000"
        """,
    )
    out = tmp_path / "layout"
    result = cli(
        "build", SAMPLES / "hello", "--buildpack", plugin, "--output", f"oci:{out}", "--json"
    )
    assert result.code == 0, result.err
    assert json.loads(result.out)["plan"]["ldflags"] == "-s -w -X main.flavour=plugin"
    assert skopeo_config(f"oci:{out}:latest")["config"]["User"] == "1000:1000"


def test_blocking_a_plugin_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("GOBUILDPACK_BLOCK_PLUGINS", "gobuildpack/image-labels,other")
    plugins = load_plugins(dict(os.environ))
    assert "gobuildpack/image-labels" not in [p.name for p in plugins.infos]


def test_every_builtin_buildpack_has_a_descriptor():
    plugins = load_plugins({"GOBUILDPACK_DISABLE_PLUGIN_AUTOLOAD": "1"})
    for info in plugins.infos:
        if info.source == "builtin" and info.buildpack is not None:
            assert info.buildpack.id.startswith("gobuildpack/")
            assert Path(info.location).with_name("buildpack.toml").is_file()
