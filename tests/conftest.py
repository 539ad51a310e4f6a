"""Shared fixtures: the CLI run in-process, Go projects laid out in tmp_path, a private container
store for buildah and podman, and helpers that inspect, verify and run real images."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import REPO

from gobuildpack.cli import main

CONTAINERS_CONF = REPO / ".ci" / "containers.conf"

PROGRAMS_BY_MARKER = {"buildah": ("buildah", "umoci", "skopeo"), "podman": ("podman",)}


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked buildah/podman fails (not skips) when the tool is missing: CI must see it."""
    for marker, programs in PROGRAMS_BY_MARKER.items():
        if item.get_closest_marker(marker) is None:
            continue
        missing = [p for p in programs if shutil.which(p) is None]
        if missing:
            names = ", ".join(missing)
            pytest.fail(f"{names} not installed: run .ci/setup, or deselect with -m 'not {marker}'")


@pytest.fixture(scope="session")
def go_caches() -> Path:
    """Go's module and build caches, kept across test runs (Go makes them safe to share)."""
    path = Path(
        os.environ.get("GOBUILDPACK_TEST_CACHE")
        or Path(tempfile.gettempdir()) / "gobuildpack-test-cache"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def container_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One private store shared by buildah and podman for the whole session."""
    root = tmp_path_factory.mktemp("containers")
    # The runroot holds conmon's sockets, whose paths are limited to 108 bytes: under a long
    # path (pytest-xdist's basetemp/popen-gwN/...) every attached `podman run` waits out a
    # 20-second timeout for the container's exit. A short directory of its own avoids that.
    runroot = Path(tempfile.mkdtemp(prefix="gbp-run-"))
    conf = root / "storage.conf"
    conf.write_text(
        f'[storage]\ndriver = "overlay"\ngraphroot = "{root / "graph"}"\nrunroot = "{runroot}"\n'
    )
    env = {"CONTAINERS_STORAGE_CONF": str(conf), "CONTAINERS_CONF": str(CONTAINERS_CONF)}
    yield env
    if shutil.which("podman"):
        full = {**os.environ, **env}
        for args in (["podman", "rm", "-af"], ["buildah", "rm", "--all"], ["podman", "rmi", "-af"]):
            if shutil.which(args[0]):
                subprocess.run(args, env=full, capture_output=True, check=False)
        subprocess.run(
            ["podman", "system", "reset", "-f"], env=full, capture_output=True, check=False
        )
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(runroot, ignore_errors=True)


@pytest.fixture(autouse=True)
def build_env(
    monkeypatch: pytest.MonkeyPatch, go_caches: Path, container_store: dict[str, str]
) -> None:
    """Every test: our caches and store, and none of the developer's BP_* settings."""
    for key in list(os.environ):
        if key.startswith(("BP_", "GOBUILDPACK_")) or key in ("SOURCE_DATE_EPOCH", "GOFLAGS"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("GOBUILDPACK_CACHE_DIR", str(go_caches))
    for key, value in container_store.items():
        monkeypatch.setenv(key, value)


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``gobuildpack ARGS`` in-process; return exit code, stdout and stderr."""

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Lay out a Go project in tmp_path from {relative path: contents}; return its directory."""

    def make(files: dict[str, str], name: str = "app") -> Path:
        root = tmp_path / name
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return root

    return make
