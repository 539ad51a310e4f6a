"""Bad input: a clear one-paragraph error, a distinct exit code, and nothing half-written."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import HELLO_MAIN, SAMPLES, gomod, index_digest, umoci_unpack

from gobuildpack import errors


def test_not_a_go_project(cli, project):
    app = project({"README.md": "no go here\n"})
    result = cli("build", app, "--output", f"oci:{app.parent / 'out'}")
    assert result.code == errors.NotAGoProject.exit_code == 20
    assert f"{app} is not a Go project: it has no go.mod" in result.err
    assert "go mod init" in result.err
    assert not (app.parent / "out").exists()


def test_subdirectory_of_a_module_points_at_the_module(cli, project):
    app = project({"go.mod": gomod(), "cmd/api/main.go": HELLO_MAIN})
    result = cli("detect", app / "cmd" / "api")
    assert result.code == 20
    assert f"{app} holds the go.mod" in result.err
    assert "BP_GO_TARGETS=./cmd/api" in result.err


def test_malformed_go_mod_names_file_and_line(cli, project):
    app = project({"go.mod": "module example.com/app\n\ngo 1.22\n\nrequire (\n  oops\n)\n"})
    result = cli("build", app, "--output", f"oci:{app.parent / 'out'}")
    assert result.code == errors.ProjectFileError.exit_code == 22
    assert f"{app / 'go.mod'}:6:" in result.err
    assert "fix:" in result.err


def test_unknown_go_mod_directive(cli, project):
    app = project({"go.mod": "module example.com/app\ngo 1.22\nfrobnicate now\n"})
    result = cli("detect", app)
    assert result.code == 22
    assert f"{app / 'go.mod'}:3:" in result.err
    assert "frobnicate" in result.err


def test_no_main_package(cli, project):
    app = project({"go.mod": gomod(), "lib/lib.go": "package lib\n\nfunc F() {}\n"})
    result = cli("build", app, "--output", f"oci:{app.parent / 'out'}")
    assert result.code == errors.NoMainPackage.exit_code == 23
    assert "no main package to build" in result.err
    assert "package main" in result.err
    assert not (app.parent / "out").exists()


def test_no_main_at_default_places_suggests_the_ones_found(cli, project):
    app = project({"go.mod": gomod(), "tools/gen/main.go": HELLO_MAIN})
    result = cli("detect", app)
    assert result.code == 23
    assert "./tools/gen" in result.err and "BP_GO_TARGETS" in result.err


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ("./missing", "holds no Go package"),
        ("./lib", "is package lib, not a main package"),
        ("./nothing/...", "no main package below it"),
    ],
)
def test_bad_bp_go_targets(cli, project, targets, message):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN, "lib/lib.go": "package lib\n"})
    result = cli("detect", app, "--env", f"BP_GO_TARGETS={targets}")
    assert result.code == 23
    assert message in result.err


def test_compile_error_shows_gos_output(cli, project):
    app = project(
        {"go.mod": gomod(), "main.go": "package main\n\nfunc main() { undefinedThing() }\n"}
    )
    result = cli("build", app, "--output", f"oci:{app.parent / 'out'}")
    assert result.code == errors.BuildFailed.exit_code == 51
    assert "go build failed" in result.err
    assert "undefined: undefinedThing" in result.err  # go's own message
    assert "main.go:3" in result.err
    assert not (app.parent / "out").exists()


def test_go_too_old_for_go_mod(cli, project):
    app = project({"go.mod": gomod(go="1.999"), "main.go": HELLO_MAIN})
    result = cli("build", app, "--output", f"oci:{app.parent / 'out'}")
    assert result.code == errors.ToolchainError.exit_code == 30
    assert f"{app / 'go.mod'}:3:" in result.err
    assert "asks for go 1.999 or newer" in result.err
    assert "install Go 1.999 or newer" in result.err


def test_bp_go_version_mismatch(cli, project):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    result = cli("detect", app, "--env", "BP_GO_VERSION=1.10.*")
    assert result.code == 30
    assert "BP_GO_VERSION=1.10.*" in result.err


def test_missing_go(cli, project, tmp_path, monkeypatch):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = cli("detect", app)
    assert result.code == 30
    assert "no Go toolchain found" in result.err and "https://go.dev/dl/" in result.err


def _path_without(program: str, tmp_path: Path) -> str:
    """A PATH holding only go and git: ``program`` is not on it."""
    keep = tmp_path / f"bin-without-{program}"
    keep.mkdir()
    for tool in ("go", "git"):
        found = shutil.which(tool)
        assert found
        (keep / tool).symlink_to(found)
    return str(keep)


@pytest.mark.e2e
def test_missing_buildah_names_the_package(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path_without("buildah", tmp_path))
    out = tmp_path / "out"
    result = cli("build", SAMPLES / "hello", "--output", f"oci:{out}", "--exporter", "buildah")
    assert result.code == errors.MissingProgram.exit_code == 69
    assert "buildah" in result.err and "apt-get install buildah" in result.err
    assert "--exporter native" in result.err
    assert not out.exists()


@pytest.mark.e2e
def test_auto_exporter_without_buildah_writes_natively(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", _path_without("buildah", tmp_path))
    out = tmp_path / "out"
    result = cli("build", SAMPLES / "hello", "--output", f"oci:{out}", "--json")
    assert result.code == 0, result.err
    image = json.loads(result.out)["image"]
    assert image["exporter"] == "native"
    assert image["digest"] == index_digest(out, "latest")


def test_unknown_exporter(cli, project, tmp_path):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    result = cli("build", app, "--output", f"oci:{tmp_path / 'out'}", "--exporter", "kaniko")
    assert result.code == errors.UsageError.exit_code
    assert "unknown exporter 'kaniko'" in result.err
    assert "auto, buildah, native" in result.err


def test_unknown_output_transport(cli, project):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    result = cli("build", app, "--output", "docker-daemon:foo")
    assert result.code == errors.UsageError.exit_code == 2
    assert "oci:DIR[:TAG]" in result.err


def test_output_inside_a_file(cli, project, tmp_path):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = cli("build", app, "--output", f"oci:{blocker}/layout")
    assert result.code == errors.OutputError.exit_code == 61
    assert "is not a directory" in result.err
    assert blocker.read_text() == "not a directory"


def test_output_directory_that_is_not_a_layout(cli, project, tmp_path):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    target = tmp_path / "precious"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = cli("build", app, "--output", f"oci:{target}")
    assert result.code == 61
    assert "not an OCI layout" in result.err
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


@contextlib.contextmanager
def _read_only_dir(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable: a read-only bind mount as root (root ignores modes), else chmod."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        mounted = subprocess.run(
            ["mount", "--bind", "-o", "ro", str(path), str(path)], capture_output=True
        )
        if mounted.returncode != 0:
            pytest.skip(f"cannot make a read-only bind mount here: {mounted.stderr.decode()}")
        try:
            yield
        finally:
            subprocess.run(["umount", str(path)], check=True)
    else:
        path.chmod(0o555)
        try:
            yield
        finally:
            path.chmod(0o755)


def test_unwritable_output_path_fails_before_building(cli, project, tmp_path):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    readonly = tmp_path / "readonly"
    with _read_only_dir(readonly):
        result = cli("build", app, "--output", f"oci:{readonly}/layout")
    assert result.code == 61
    assert f"the directory {readonly} is not writable" in result.err
    assert "BUILDING" not in result.err  # failed before any work


def test_unwritable_cache_dir(cli, project, tmp_path, monkeypatch):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    readonly = tmp_path / "ro-cache"
    monkeypatch.setenv("GOBUILDPACK_CACHE_DIR", str(readonly / "cache"))
    with _read_only_dir(readonly):
        result = cli("build", app, "--output", f"oci:{tmp_path / 'out'}")
    assert result.code == 61
    assert "cannot create the cache directory" in result.err
    assert "GOBUILDPACK_CACHE_DIR" in result.err


@pytest.mark.e2e
@pytest.mark.buildah
def test_failed_rebuild_keeps_the_previous_image(cli, tmp_path):
    app = shutil.copytree(SAMPLES / "hello", tmp_path / "hello")
    out = tmp_path / "layout"
    first = cli("build", app, "--output", f"oci:{out}:latest")
    assert first.code == 0, first.err
    before = index_digest(out, "latest")
    snapshot = sorted(p.relative_to(out) for p in out.rglob("*"))

    (app / "main.go").write_text("package main\n\nfunc main() { broken( }\n")
    second = cli("build", app, "--output", f"oci:{out}:latest")
    assert second.code == 51
    assert index_digest(out, "latest") == before
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == snapshot
    umoci_unpack(out, "latest", tmp_path / "unpacked")
    leftovers = [p.name for p in tmp_path.iterdir() if ".staging-" in p.name]
    assert leftovers == []


def test_bad_env_flag(cli, project):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    result = cli("detect", app, "--env", "=oops")
    assert result.code == 2
    result = cli("detect", app, "--env", "GOBUILDPACK_SURELY_UNSET_VARIABLE")
    assert result.code == 2 and "is not set" in result.err


def test_bad_source_date_epoch(cli, project, monkeypatch, tmp_path):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = cli("build", app, "--output", f"oci:{tmp_path / 'out'}")
    assert result.code == 2
    assert "SOURCE_DATE_EPOCH must be whole seconds" in result.err


def test_app_path_is_not_a_directory(cli, tmp_path):
    result = cli("build", tmp_path / "nope")
    assert result.code == 2
    assert "is not a directory" in result.err


def test_newer_go_with_unknown_directive_reports_the_go_version(cli, project):
    # A go.mod from a future Go may use directives we do not know: the version is the news.
    app = project({"go.mod": gomod(go="1.999") + "\nfuturedirective x\n", "main.go": HELLO_MAIN})
    result = cli("detect", app)
    assert result.code == 30
    assert f"{app / 'go.mod'}:3:" in result.err
    assert "asks for go 1.999 or newer" in result.err
    assert "unknown directive: futuredirective" in result.err
