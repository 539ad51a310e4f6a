"""Helpers for tests: sample copies, tiny Go sources, and tools that inspect and run images."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"


def copy_sample(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(SAMPLES / name, target)
    return target


HELLO_MAIN = """package main

import "fmt"

func main() { fmt.Println("hello from a test app") }
"""


def gomod(module: str = "example.com/app", go: str = "1.22") -> str:
    return f"module {module}\n\ngo {go}\n"


# -- image helpers -----------------------------------------------------------------------------


def run_tool(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=check)


def skopeo_config(ref: str) -> dict[str, Any]:
    """The image config (``skopeo inspect --config``) of a transport:reference."""
    result = run_tool("skopeo", "inspect", "--config", ref)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def umoci_unpack(layout: Path, tag: str, dest: Path) -> Path:
    """Unpack with umoci, which verifies every digest, size and diff_id; return the rootfs."""
    result = run_tool("umoci", "unpack", "--image", f"{layout}:{tag}", str(dest), check=False)
    assert result.returncode == 0, f"umoci unpack failed:\n{result.stderr}"
    return dest / "rootfs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def http_get(url: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body: bytes = response.read()
                return body.decode()
        except OSError as exc:
            last = exc
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}: {last}")


@contextlib.contextmanager
def running_container(image: str, *extra: str) -> Iterator[str]:
    """Run ``image`` detached with port 8080 published on loopback; yield its base URL."""
    port = free_port()
    result = run_tool(
        "podman", "run", "-d", "-p", f"127.0.0.1:{port}:8080", *extra, image, check=False
    )
    assert result.returncode == 0, f"podman run failed:\n{result.stderr}"
    container = result.stdout.strip().splitlines()[-1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        logs = run_tool("podman", "logs", container, check=False)
        run_tool("podman", "rm", "-f", container, check=False)
        print(logs.stdout, logs.stderr)


def podman_run(image: str, *args: str, entrypoint: str | None = None) -> str:
    cmd = ["podman", "run", "--rm"]
    if entrypoint:
        cmd += ["--entrypoint", entrypoint]
    result = run_tool(*cmd, image, *args, check=False)
    assert result.returncode == 0, f"podman run failed:\n{result.stderr}"
    return result.stdout


def index_digest(layout: Path, tag: str) -> str | None:
    index = json.loads((layout / "index.json").read_text())
    for desc in index["manifests"]:
        if desc.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return str(desc["digest"])
    return None


def read_manifest(layout: Path, tag: str) -> dict[str, Any]:
    """The manifest tagged ``tag`` in an OCI layout."""
    digest = index_digest(layout, tag)
    assert digest is not None, f"{layout} has no image tagged {tag}"
    data: dict[str, Any] = json.loads(blob_path(layout, digest).read_bytes())
    return data


def blob_path(layout: Path, digest: str) -> Path:
    algorithm, _, hexdigest = digest.partition(":")
    return layout / "blobs" / algorithm / hexdigest


def layer_entries(layout: Path, tag: str) -> list[set[str]]:
    """The entry names of each layer of an image, in manifest order (gzipped or plain tars)."""
    layers = []
    for desc in read_manifest(layout, tag)["layers"]:
        with tarfile.open(blob_path(layout, desc["digest"]), mode="r:*") as tar:
            layers.append({name.removeprefix("./").rstrip("/") for name in tar.getnames()})
    return layers


NONROOT = "65532:65532"


def assert_runtime_config(config: dict[str, Any], entrypoint_name: str) -> None:
    """The config every image of a sample gets: user, entrypoint, working dir, build labels."""
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
