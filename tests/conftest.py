"""Shared fixtures: the CLI run in-process, Go projects laid out in tmp_path, a private container
store for buildah and podman, and helpers that inspect, verify and run real images."""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO

from gobuildpack._compat import tomllib
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


def _toml(tables: dict[str, dict[str, Any]]) -> str:
    """TOML for tables of strings and lists of strings (JSON spells both the same way)."""
    lines = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def container_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One private store shared by buildah and podman for the whole session, isolated from
    every other store on the machine (other sessions, other xdist workers, the user's own).

    * The runroot holds conmon's sockets, whose paths are limited to 108 bytes: under a long
      path (pytest-xdist's basetemp/popen-gwN/...) every attached `podman run` waits out a
      20-second timeout for the container's exit. It gets a short directory of its own.
    * Podman's tmp_dir (default /run/libpod, shared by all stores) goes there too: another
      store's `podman system reset` empties it, and podman then takes the machine for freshly
      booted and "refreshes" this store's running containers, losing track of them.
    * Networking: a store that holds images before podman first runs picks the CNI backend,
      whose bridge takes the same 10.88.0.0/16 as netavark's and black-holes the other's
      published ports. The store is pinned to netavark, with a network of its own (its own
      bridge and a /24 of its own) in a network config directory of its own.
    """
    root = tmp_path_factory.mktemp("containers")
    short = Path(tempfile.mkdtemp(prefix="gbp-run-"))
    conf = root / "storage.conf"
    conf.write_text(
        _toml(
            {
                "storage": {
                    "driver": "overlay",
                    "graphroot": str(root / "graph"),
                    "runroot": str(short / "run"),
                }
            }
        )
    )
    network = "gobuildpack-test"
    settings = tomllib.loads(CONTAINERS_CONF.read_text())
    settings.setdefault("engine", {})["tmp_dir"] = str(short / "libpod")
    settings.setdefault("network", {}).update(
        network_backend="netavark",
        network_config_dir=str(short / "networks"),
        default_network=network,
    )
    containers_conf = root / "containers.conf"
    containers_conf.write_text(_toml(settings))
    # The network, as `podman network create` would write it, with a bridge name of its own
    # (that command always picks podmanN, which other sessions' networks use too).
    third, fourth = random.randint(90, 250), random.randint(0, 255)
    (short / "networks").mkdir()
    (short / "networks" / f"{network}.json").write_text(
        json.dumps(
            {
                "name": network,
                "id": secrets.token_hex(32),
                "driver": "bridge",
                "network_interface": f"gbp{secrets.token_hex(4)}",
                "created": "2024-01-01T00:00:00Z",
                "subnets": [
                    {"subnet": f"10.{third}.{fourth}.0/24", "gateway": f"10.{third}.{fourth}.1"}
                ],
                "ipv6_enabled": False,
                "internal": False,
                "dns_enabled": False,
                "ipam_options": {"driver": "host-local"},
            }
        )
    )
    env = {"CONTAINERS_STORAGE_CONF": str(conf), "CONTAINERS_CONF": str(containers_conf)}
    yield env
    if shutil.which("podman"):
        full = {**os.environ, **env}
        for args in (["podman", "rm", "-af"], ["buildah", "rm", "--all"], ["podman", "rmi", "-af"]):
            if shutil.which(args[0]):
                subprocess.run(args, env=full, capture_output=True, check=False)
        subprocess.run(
            ["podman", "system", "reset", "-f"], env=full, capture_output=True, check=False
        )
    _unmount_below(root)
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(short, ignore_errors=True)


def _unmount_below(root: Path) -> None:
    """Unmount what the store left mounted below ``root`` (overlay keeps a private bind mount
    of its own directory), deepest first, so the directory can be removed."""
    prefix = str(root.resolve()) + "/"
    with open("/proc/self/mounts") as fh:
        points = [line.split()[1] for line in fh if line.split()[1].startswith(prefix)]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)


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


@pytest.fixture
def fresh_cache(tmp_path: Path, go_caches: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache root of this test's own (layer cache, blob cache, records), sharing only Go's
    module and build caches with the session, so compiled code is not compiled again."""
    root = tmp_path / "gobuildpack-cache"
    root.mkdir()
    for name in ("go-build", "go-mod"):
        (go_caches / name).mkdir(exist_ok=True)
        (root / name).symlink_to(go_caches / name)
    monkeypatch.setenv("GOBUILDPACK_CACHE_DIR", str(root))
    return root
