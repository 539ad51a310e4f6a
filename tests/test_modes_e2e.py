"""Dependency modes end to end: workspace (go.work) and vendor (offline) builds that run."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from helpers import SAMPLES, http_get, podman_run, running_container

pytestmark = [pytest.mark.e2e, pytest.mark.buildah, pytest.mark.podman]

LIB_GO = 'package lib\n\nimport "fmt"\n\nfunc Hello() { fmt.Println("hi from lib") }\n'


def test_workspace_build_uses_the_local_module(cli, project, tmp_path):
    app = project(
        {
            "go.work": "go 1.22\n\nuse (\n\t.\n\t./lib\n)\n",
            "go.mod": "module example.com/app\n\ngo 1.22\n",
            "main.go": 'package main\n\nimport "example.com/lib"\n\nfunc main() { lib.Hello() }\n',
            "lib/go.mod": "module example.com/lib\n\ngo 1.22\n",
            "lib/lib.go": LIB_GO,
        }
    )
    out = tmp_path / "layout"
    result = cli("build", app, "--output", f"oci:{out}")
    assert result.code == 0, result.err
    assert podman_run(f"oci:{out}:latest") == "hi from lib\n"


def test_vendored_build_needs_no_network(cli, tmp_path, monkeypatch, go_caches):
    app = shutil.copytree(SAMPLES / "withdeps", tmp_path / "withdeps")
    env = {**os.environ, "GOFLAGS": "", "GOTOOLCHAIN": "local"}
    env["GOMODCACHE"] = str(tmp_path / "vendor-modcache")  # fetch into a throwaway cache
    subprocess.run(["go", "mod", "vendor"], cwd=app, env=env, check=True, capture_output=True)
    # No proxy and an empty module cache: only vendor/ can satisfy the build.
    monkeypatch.setenv("GOPROXY", "off")
    fresh = tmp_path / "fresh-cache"
    fresh.mkdir()
    (go_caches / "go-build").mkdir(exist_ok=True)
    (fresh / "go-build").symlink_to(go_caches / "go-build")  # compiled code may be reused
    monkeypatch.setenv("GOBUILDPACK_CACHE_DIR", str(fresh))
    out = tmp_path / "layout"
    result = cli("build", app, "--output", f"oci:{out}", "--json")
    assert result.code == 0, result.err
    assert '"dependency_mode": "vendor"' in result.out
    assert "vendored" in result.err
    assert not any((fresh / "go-mod").iterdir())  # nothing downloaded
    with running_container(f"oci:{out}:latest") as url:
        assert "gopher" in http_get(f"{url}/hello/gopher")
