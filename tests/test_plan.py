"""The plan detect produces, through the real Go toolchain: targets, flags, modes, processes."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from gobuildpack.builtin import go_build
from helpers import HELLO_MAIN, SAMPLES, gomod

from gobuildpack.model import BuildPlan, Platform
from gobuildpack.plugins import load_plugins


def _plan(cli, app, *args):
    result = cli("detect", app, "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_hello_plan(cli):
    plan = _plan(cli, SAMPLES / "hello")
    assert plan["module"] == "example.com/hello"
    assert plan["go"]["wanted"] == "1.22"
    assert plan["go"]["found"]
    assert plan["dependency_mode"] == "module"
    assert plan["targets"] == [{"path": ".", "import_path": "example.com/hello", "name": "hello"}]
    assert plan["processes"] == [
        {
            "type": "hello",
            "command": ["/layers/gobuildpack_go-build/targets/bin/hello"],
            "args": [],
            "direct": True,
            "buildpackID": "gobuildpack/go-build",
            "default": True,
        }
    ]
    assert plan["build_flags"] == ["-trimpath", "-mod=readonly"]
    assert plan["ldflags"] == "-s -w"


def test_multi_cmd_plan_has_both_commands_first_default(cli):
    plan = _plan(cli, SAMPLES / "multi-cmd")
    assert [t["path"] for t in plan["targets"]] == ["./cmd/api", "./cmd/worker"]
    assert [(p["type"], p.get("default", False)) for p in plan["processes"]] == [
        ("api", True),
        ("worker", False),
    ]


def test_human_plan_output(cli):
    result = cli("detect", SAMPLES / "multi-cmd")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "module        example.com/multi-cmd" in lines
    assert "targets       ./cmd/api -> api" in lines
    assert "              ./cmd/worker -> worker" in lines
    assert any(line.startswith("processes     api (default): /layers/") for line in lines)
    assert any(line.startswith("go            1.22 wanted, using go1.") for line in lines)


def test_bp_go_targets_overrides_and_orders(cli):
    plan = _plan(cli, SAMPLES / "multi-cmd", "--env", "BP_GO_TARGETS=./cmd/worker:cmd/api")
    assert [t["name"] for t in plan["targets"]] == ["worker", "api"]
    assert plan["processes"][0]["type"] == "worker"


def test_bp_go_targets_with_ellipsis(cli):
    plan = _plan(cli, SAMPLES / "multi-cmd", "--env", "BP_GO_TARGETS=./cmd/...")
    assert [t["name"] for t in plan["targets"]] == ["api", "worker"]


def test_root_main_wins_over_cmd(cli, project):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN, "cmd/tool/main.go": HELLO_MAIN})
    plan = _plan(cli, app)
    assert [t["path"] for t in plan["targets"]] == ["."]


def test_nested_cmd_packages_are_found(cli, project):
    app = project(
        {
            "go.mod": gomod("example.com/deep"),
            "cmd/tools/gen/main.go": HELLO_MAIN,
            "cmd/server/main.go": HELLO_MAIN,
            "cmd/server/handlers/h.go": "package handlers\n",
        }
    )
    plan = _plan(cli, app)
    assert [t["path"] for t in plan["targets"]] == ["./cmd/server", "./cmd/tools/gen"]


def test_major_version_suffix_is_skipped_in_binary_name(cli, project):
    app = project({"go.mod": gomod("example.com/tool/v2"), "main.go": HELLO_MAIN})
    plan = _plan(cli, app)
    assert plan["targets"][0]["name"] == "tool"


def test_duplicate_binary_names_are_refused(cli, project):
    app = project({"go.mod": gomod(), "cmd/a/x/main.go": HELLO_MAIN, "cmd/b/x/main.go": HELLO_MAIN})
    result = cli("detect", app)
    assert result.code == 21
    assert "would both build a binary named 'x'" in result.err


DEFAULT = ["-trimpath", "-mod=readonly"]
FLAG_CASES = [
    ({}, DEFAULT, "-s -w"),
    ({"BP_GO_BUILD_FLAGS": "-tags=netgo -v"}, [*DEFAULT, "-tags=netgo", "-v"], "-s -w"),
    ({"BP_GO_BUILD_FLAGS": '-ldflags="-X main.v=1"'}, DEFAULT, "-X main.v=1"),
    (
        {"BP_GO_BUILD_FLAGS": "-ldflags '-X main.v=2' -mod=mod"},
        ["-trimpath", "-mod=mod"],
        "-X main.v=2",
    ),
    (
        {
            "BP_GO_BUILD_FLAGS": "-ldflags=-w",
            "BP_GO_BUILD_LDFLAGS": "-s -X main.v=$VERSION",
            "VERSION": "7",
        },
        DEFAULT,
        "-s -X main.v=7",
    ),
    (
        {"BP_GO_BUILD_FLAGS": "-trimpath=false -buildvcs=false"},
        ["-mod=readonly", "-trimpath=false", "-buildvcs=false"],
        "-s -w",
    ),
]


@pytest.mark.parametrize(("env", "flags", "ldflags"), FLAG_CASES)
def test_build_flags(env, flags, ldflags, tmp_path):
    plan = BuildPlan(app_dir=tmp_path, platform=Platform())
    env = {"PATH": os.environ["PATH"], **env}  # git is on it, so -buildvcs is left to go
    assert go_build.build_flags(env, plan) == (flags, ldflags)


def test_vendor_mode(cli, project, tmp_path):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    vendor = app / "vendor"
    vendor.mkdir()
    (vendor / "modules.txt").write_text("")
    plan = _plan(cli, app)
    assert plan["dependency_mode"] == "vendor"
    assert "-mod=vendor" in plan["build_flags"]


def test_workspace_mode_uses_go_work(cli, project):
    app = project(
        {
            "go.work": "go 1.22\n\nuse (\n\t.\n\t./lib\n)\n",
            "go.mod": gomod("example.com/app"),
            "main.go": 'package main\n\nimport "example.com/lib"\n\nfunc main() { lib.Hello() }\n',
            "lib/go.mod": gomod("example.com/lib"),
            "lib/lib.go": 'package lib\n\nimport "fmt"\n\nfunc Hello() { fmt.Println("hi") }\n',
        }
    )
    plan = _plan(cli, app)
    assert plan["dependency_mode"] == "workspace"
    assert plan["targets"][0]["import_path"] == "example.com/app"


def test_go_work_go_line_is_checked(cli, project):
    app = project(
        {"go.work": "go 1.999\n\nuse .\n", "go.mod": gomod(), "main.go": HELLO_MAIN},
    )
    result = cli("detect", app)
    assert result.code == 30
    assert f"{app / 'go.work'}:1:" in result.err


def test_newer_toolchain_line_only_warns(cli, project):
    app = project({"go.mod": gomod() + "\ntoolchain go1.999.1\n", "main.go": HELLO_MAIN})
    result = cli("detect", app, "--json")
    assert result.code == 0, result.err
    assert "prefers go1.999.1" in result.err
    assert json.loads(result.out)["go"]["toolchain_wanted"] == "go1.999.1"


def test_packages_are_found_by_go_list_not_by_regex(cli, project):
    # A file that only *looks* like package main in a comment, and a build-tagged-out main.
    app = project(
        {
            "go.mod": gomod(),
            "cmd/real/main.go": HELLO_MAIN,
            "cmd/fake/doc.go": "// package main\npackage fake\n",
            "cmd/ignored/main.go": "//go:build ignore\n\n" + HELLO_MAIN,
        }
    )
    plan = _plan(cli, app)
    assert [t["path"] for t in plan["targets"]] == ["./cmd/real"]


@pytest.mark.parametrize(
    ("import_path", "name"),
    [
        ("example.com/app", "app"),
        ("example.com/app/v2", "app"),
        ("example.com/app/cmd/v2ray", "v2ray"),
        ("v3", "v3"),
    ],
)
def test_exec_name(import_path, name):
    assert go_build.exec_name(import_path) == name


def test_exec_name_matches_go(tmp_path):
    # go build -o DIR/ names binaries itself; our process paths must agree with it.
    app = tmp_path / "m"
    (app / "cmd" / "v2").mkdir(parents=True)
    (app / "go.mod").write_text(gomod("example.com/m/v3"))
    (app / "main.go").write_text(HELLO_MAIN)
    out = tmp_path / "bin"
    env = {**os.environ, "GOFLAGS": "", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}
    subprocess.run(["go", "build", "-o", f"{out}/", "."], cwd=app, check=True, env=env)
    assert [p.name for p in out.iterdir()] == [go_build.exec_name("example.com/m/v3")]


def test_builtins_load_without_entry_points():
    plugins = load_plugins({"GOBUILDPACK_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert [b.buildpack.id for b in plugins.buildpacks() if b.buildpack] == [
        "gobuildpack/run-base",
        "gobuildpack/go-dist",
        "gobuildpack/go-mod",
        "gobuildpack/go-build",
        "gobuildpack/app-files",
    ]
