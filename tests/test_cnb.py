"""CNB exec buildpacks: loading, the detect contract and plan resolution, the build contract
(layers, env files, launch.toml, Buildpack Plan), cache layers, and the group order rule."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from helpers import SAMPLES, copy_sample, skopeo_config, umoci_unpack

from gobuildpack import errors
from gobuildpack.cache import CacheDirs
from gobuildpack.cnb import SUPPORTED_APIS
from gobuildpack.layercache import LayerCache
from gobuildpack.plugins import load_plugins
from gobuildpack.project import read_project

BUILTIN_GROUP = [
    "gobuildpack/run-base",
    "gobuildpack/go-dist",
    "gobuildpack/go-mod",
    "gobuildpack/go-build",
    "gobuildpack/app-files",
]


def exec_buildpack(
    root: Path, bp_id: str, *, detect: str = "", build: str = "", api: str = "0.12"
) -> Path:
    """Write a POSIX shell exec buildpack under ``root``; return its directory."""
    directory = root / bp_id.replace("/", "_")
    (directory / "bin").mkdir(parents=True)
    (directory / "buildpack.toml").write_text(
        f'api = "{api}"\n\n[buildpack]\nid = "{bp_id}"\nversion = "1.0.0"\n'
    )
    for name, body in (("detect", detect), ("build", build)):
        script = directory / "bin" / name
        script.write_text("#!/bin/sh\nset -eu\n" + textwrap.dedent(body))
        script.chmod(0o755)
    return directory


def project_toml(app: Path, entries: list[dict[str, object]], env: dict[str, str] | None = None):
    lines = ['[_]\nschema-version = "0.2"\n']
    for entry in entries:
        lines.append("[[io.buildpacks.group]]")
        for key, value in entry.items():
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    for name, value in (env or {}).items():
        lines.append(f'[[io.buildpacks.build.env]]\nname = "{name}"\nvalue = "{value}"\n')
    (app / "project.toml").write_text("\n".join(lines))


@pytest.fixture
def app(tmp_path) -> Path:
    """A copy of samples/hello with a directory for buildpacks beside it."""
    (tmp_path / "bps").mkdir()
    return copy_sample("hello", tmp_path)


@pytest.fixture
def layer_cache(app):
    """The layer cache entry of ``app``, removed after the test."""
    cache = LayerCache(CacheDirs.from_env().layers, app)
    yield cache
    shutil.rmtree(cache.dir, ignore_errors=True)


def plan_toml(provides: str = "", requires: str = "") -> str:
    """Shell that writes a plan to $CNB_BUILD_PLAN_PATH from space-separated names."""
    body = "".join(f'[[provides]]\nname = "{n}"\n' for n in provides.split())
    body += "".join(f'[[requires]]\nname = "{n}"\n' for n in requires.split())
    return f"cat > \"$CNB_BUILD_PLAN_PATH\" <<'EOF'\n{body}EOF\n"


# -- detect: the exit code contract and plan resolution ----------------------------------------

FAIL_100 = "echo 'no widgets in this app' >&2\nexit 100\n"
OR_PLAN = """\
cat > "$2" <<'EOF'
[[requires]]
name = "node"

[[or]]
[[or.provides]]
name = "x"
[[or.requires]]
name = "x"
EOF
"""

DETECT_CASES = {
    "pass": (
        [("t/a", False, plan_toml("x", "x"))],
        0,
        ["t/a"],
        [],
    ),
    "pass, requiring what a built-in provides": (
        [("t/a", False, plan_toml("", "go"))],
        0,
        ["t/a"],
        [],
    ),
    "fail (100)": (
        [("t/a", False, FAIL_100)],
        21,
        None,
        ["buildpack t/a did not pass detection", "status 100", "no widgets in this app"],
    ),
    "error (other exit)": (
        [("t/a", False, "echo 'cannot read config' >&2\nexit 3\n")],
        21,
        None,
        ["buildpack t/a: bin/detect failed with exit status 3", "cannot read config"],
    ),
    "optional failing (100) is left out": (
        [("t/a", True, FAIL_100), ("t/b", False, plan_toml("y", "y"))],
        0,
        ["t/b"],
        ["t/a: skipped"],
    ),
    "optional erring is left out with a warning": (
        [("t/a", True, "echo boom >&2\nexit 2\n")],
        0,
        [],
        ["warning: t/a (optional) left out", "exit status 2", "boom"],
    ),
    "unmet requires": (
        [("t/a", False, plan_toml("", "node"))],
        21,
        None,
        ["buildpack t/a requires node, which no buildpack in the group provides"],
    ),
    "requires what only a later buildpack provides": (
        [("t/a", False, plan_toml("", "y")), ("t/b", False, plan_toml("y", "y"))],
        21,
        None,
        ["buildpack t/a requires y, which only later buildpacks provide (t/b)", "put t/b before"],
    ),
    "provides what nobody requires": (
        [("t/a", False, plan_toml("z"))],
        21,
        None,
        ["buildpack t/a provides z, which neither it nor any later buildpack requires"],
    ),
    "optional with unmet requires is dropped": (
        [("t/a", True, plan_toml("", "node")), ("t/b", False, plan_toml("y", "y"))],
        0,
        ["t/b"],
        ["t/a: skipped (buildpack t/a requires node"],
    ),
    "[[or]]: the alternative resolves": (
        [("t/a", False, OR_PLAN)],
        0,
        ["t/a"],
        [],
    ),
    "[[or]]: no alternative resolves": (
        [
            (
                "t/a",
                False,
                OR_PLAN.replace('name = "x"\n[[or.requires]]', 'name = "q"\n[[or.requires]]'),
            )
        ],
        21,
        None,
        ["t/a requires node", "none of the 2 combinations of [[or]] alternatives resolves either"],
    ),
    "a plan that is not TOML": (
        [("t/a", False, 'echo "[[provides" > "$2"\n')],
        21,
        None,
        ["buildpack t/a wrote an invalid plan.toml: not valid TOML"],
    ),
}


@pytest.mark.parametrize(
    ("buildpacks", "code", "group", "err_has"), DETECT_CASES.values(), ids=DETECT_CASES.keys()
)
def test_detect_cases(cli, app, buildpacks, code, group, err_has):
    entries = []
    for bp_id, optional, detect in buildpacks:
        directory = exec_buildpack(app.parent / "bps", bp_id, detect=detect)
        entries.append({"uri": f"../bps/{directory.name}", "optional": optional})
    project_toml(app, entries)
    result = cli("detect", app, "--json")
    assert result.code == code, result.err
    for text in err_has:
        assert text in result.err
    if group is not None:
        ids = [b["id"] for b in json.loads(result.out)["buildpacks"]]
        assert ids == BUILTIN_GROUP + group


def test_detect_contract(cli, app):
    """Arguments, working directory, CNB_* variables and the platform env directory."""
    facts = app.parent / "facts"
    detect = f"""\
    {{
      echo "pwd=$(pwd)"
      echo "args=$1 $2"
      echo "platform=$CNB_PLATFORM_DIR plan=$CNB_BUILD_PLAN_PATH"
      echo "bpdir=$CNB_BUILDPACK_DIR"
      echo "target=$CNB_TARGET_OS/$CNB_TARGET_ARCH"
      echo "env.BP_FROM_PROJECT=$(cat "$1/env/BP_FROM_PROJECT")"
      echo "env.BP_OVERRIDDEN=$(cat "$1/env/BP_OVERRIDDEN")"
      echo "env.CUSTOM=$(cat "$1/env/CUSTOM")"
      echo "var.BP_FROM_PROJECT=$BP_FROM_PROJECT"
      echo "plan-exists=$(test -f "$2" && echo yes)"
    }} > {facts}
    """
    directory = exec_buildpack(app.parent / "bps", "t/facts", detect=detect)
    project_toml(
        app,
        [{"uri": "../bps/t_facts"}],
        env={"BP_FROM_PROJECT": "p", "BP_OVERRIDDEN": "from project"},
    )
    result = cli(
        "detect", app, "--platform", "linux/arm64", "-e", "BP_OVERRIDDEN=cli", "-e", "CUSTOM=c"
    )
    assert result.code == 0, result.err
    got = dict(line.split("=", 1) for line in facts.read_text().splitlines())
    assert got["pwd"] == str(app)
    platform, plan = got["args"].split()
    assert got["platform"] == f"{platform} plan={plan}"
    assert got["bpdir"] == str(directory)
    assert got["target"] == "linux/arm64"
    assert got["env.BP_FROM_PROJECT"] == got["var.BP_FROM_PROJECT"] == "p"
    assert got["env.BP_OVERRIDDEN"] == "cli"  # --env wins over project.toml
    assert got["env.CUSTOM"] == "c"  # every --env is user-provided
    assert got["plan-exists"] == "yes"


# -- loading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["0.9", "0.13", "1.0", ""])
def test_unsupported_buildpack_api_is_refused(cli, tmp_path, api):
    directory = exec_buildpack(tmp_path, "t/old", api=api)
    if not api:
        toml = directory / "buildpack.toml"
        toml.write_text(toml.read_text().replace('api = ""\n', ""))
    result = cli("plugins", "--buildpack", directory)
    assert result.code == errors.PluginLoadError.exit_code
    assert "buildpack t/old declares" in result.err
    assert "gobuildpack implements 0.10, 0.11, 0.12" in result.err
    assert str(directory / "buildpack.toml") in result.err


@pytest.mark.parametrize("api", SUPPORTED_APIS)
def test_supported_buildpack_apis_load(cli, tmp_path, api):
    directory = exec_buildpack(tmp_path, "t/ok", api=api)
    assert cli("plugins", "--buildpack", directory).code == 0


def test_python_buildpack_descriptor_api_is_checked_too(cli, tmp_path):
    plugin = tmp_path / "py"
    plugin.mkdir()
    (plugin / "plugin.py").write_text("")
    (plugin / "buildpack.toml").write_text('api = "0.2"\n[buildpack]\nid = "t/py"\n')
    result = cli("plugins", "--buildpack", plugin)
    assert result.code == 12 and "declares Buildpack API 0.2" in result.err


def test_exec_buildpack_is_listed_as_a_plugin(cli, tmp_path):
    directory = exec_buildpack(tmp_path, "t/listed")
    result = cli("plugins", "--json", "--buildpack", directory)
    assert result.code == 0, result.err
    listed = json.loads(result.out)[-1]
    assert listed["name"] == "t/listed"
    assert listed["source"] == "cli"
    assert listed["kind"] == "exec"
    assert listed["version"] == "1.0.0"
    assert listed["location"] == str(directory)
    assert listed["hooks"] == ["gobuildpack_build", "gobuildpack_detect"]
    human = cli("plugins", "--buildpack", directory).out
    assert "t/listed 1.0.0 (cli, CNB exec buildpack t/listed)" in human


def test_non_executable_bin_is_refused(cli, tmp_path):
    directory = exec_buildpack(tmp_path, "t/noexec")
    (directory / "bin" / "build").chmod(0o644)
    result = cli("plugins", "--buildpack", directory)
    assert result.code == 12
    assert "bin/build of buildpack t/noexec is not executable" in result.err
    assert "chmod +x" in result.err


# -- group order --------------------------------------------------------------------------------


def _group(app: Path, paths: tuple[Path, ...] = ()) -> list[str]:
    plugins = load_plugins(
        {"GOBUILDPACK_DISABLE_PLUGIN_AUTOLOAD": "1"}, paths=paths, project=read_project(app)
    )
    return [info.name for info in plugins.buildpacks()]


def test_group_order_rule(app):
    bps = app.parent / "bps"
    for bp_id in ("t/a", "t/b", "t/cli"):
        exec_buildpack(bps, bp_id)
    cli_bp = (bps / "t_cli",)

    project_toml(app, [{"uri": "../bps/t_a"}, {"uri": "../bps/t_b"}])
    assert _group(app, cli_bp) == [*BUILTIN_GROUP, "t/a", "t/b", "t/cli"]

    # naming a built-in: the named buildpacks take the group's order, in their places
    project_toml(app, [{"uri": "../bps/t_a"}, {"id": "gobuildpack/go-build"}])
    assert _group(app, cli_bp) == [
        "gobuildpack/run-base",
        "gobuildpack/go-dist",
        "gobuildpack/go-mod",
        "t/a",
        "gobuildpack/go-build",
        "gobuildpack/app-files",
        "t/cli",
    ]

    project_toml(
        app,
        [
            {"uri": "../bps/t_b"},
            {"id": "gobuildpack/go-dist", "version": "0.1.0"},
            {"id": "gobuildpack/run-base"},
            {"id": "gobuildpack/go-mod"},
            {"uri": "../bps/t_a"},
            {"id": "gobuildpack/go-build"},
        ],
    )
    assert _group(app) == [
        "t/b",
        "gobuildpack/go-dist",
        "gobuildpack/run-base",
        "gobuildpack/go-mod",
        "t/a",
        "gobuildpack/go-build",
        "gobuildpack/app-files",
    ]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"id": "t/unknown"}], "names buildpack t/unknown, which is not loaded"),
        (
            [{"id": "gobuildpack/go-build", "version": "9.9.9"}],
            "asks for gobuildpack/go-build 9.9.9",
        ),
        ([{"uri": "../bps/missing"}], "is not a directory"),
        ([{"uri": "https://example.com/bp.tgz"}], "only local buildpack directories"),
        (
            [{"uri": "../bps/t_a", "id": "t/other"}],
            "says id 't/other', but ../bps/t_a is buildpack t/a",
        ),
        ([{"optional": True}], "has neither `id` nor `uri`"),
    ],
)
def test_bad_group_entries(cli, app, entries, message):
    exec_buildpack(app.parent / "bps", "t/a")
    project_toml(app, entries)
    result = cli("detect", app)
    assert result.code == errors.ProjectFileError.exit_code, result.err
    assert message in result.err
    assert "project.toml" in result.err


def test_malformed_project_toml(cli, app):
    (app / "project.toml").write_text("[[io.buildpacks.group]\n")
    result = cli("detect", app)
    assert result.code == 22 and "project.toml is not valid TOML" in result.err


# -- build: layers, env files, launch.toml, the Buildpack Plan ----------------------------------

PROVIDER_BUILD = """\
layers=$1
cp "$3" "$OUT/a.plan.toml"
mkdir -p "$layers/tools/bin" "$layers/tools/env.build" "$layers/tools/env.launch"
printf '#!/bin/sh\\necho hi from tool\\n' > "$layers/tools/bin/hello-tool"
chmod +x "$layers/tools/bin/hello-tool"
printf hello > "$layers/tools/env.build/GREETING.override"
printf never > "$layers/tools/env.launch/NOT_IN_IMAGE"
printf '[types]\\nbuild = true\\n' > "$layers/tools.toml"

mkdir -p "$layers/web/bin" "$layers/web/share" "$layers/web/env" "$layers/web/env.launch"
printf 'web page\\n' > "$layers/web/share/index.txt"
printf '%s' "$layers/web/share" > "$layers/web/env.launch/WEB_HOME.default"
printf '/extra' > "$layers/web/env/PATH.append"
printf ':' > "$layers/web/env/PATH.delim"
printf '[types]\\nlaunch = true\\n[metadata]\\nowner = "t/a"\\n' > "$layers/web.toml"

mkdir -p "$layers/scratch"
printf '[metadata]\\nnote = "no types"\\n' > "$layers/scratch.toml"

cat > "$layers/launch.toml" <<EOF
[[processes]]
type = "serve"
command = ["$layers/web/bin/serve", "--root"]
args = ["$layers/web/share"]
working-dir = "$layers/web"

[[labels]]
key = "com.example.from-launch-toml"
value = "yes"
EOF
printf '[[unmet]]\\nname = "thing"\\n' > "$layers/build.toml"
"""

CONSUMER_BUILD = """\
{
  echo "tool=$(hello-tool)"
  echo "GREETING=${GREETING:-unset}"
  echo "NOT_IN_IMAGE=${NOT_IN_IMAGE:-unset}"
  echo "WEB_HOME=${WEB_HOME:-unset}"
  echo "layers=$CNB_LAYERS_DIR"
  echo "args=$1 $2 $3"
  echo "vars=$CNB_LAYERS_DIR $CNB_PLATFORM_DIR $CNB_BP_PLAN_PATH"
  echo "target=$CNB_TARGET_OS/$CNB_TARGET_ARCH"
  echo "pwd=$(pwd)"
} > "$OUT/b.facts"
cp "$3" "$OUT/b.plan.toml"
"""

PYTHON_AFTER = """
from gobuildpack import hookimpl
from gobuildpack.model import BuildResult


@hookimpl
def gobuildpack_build(context):
    env = context.env
    return BuildResult(labels={
        "com.example.python-saw": env.get("GREETING", "unset"),
        "com.example.python-toolchain": env.get("GOTOOLCHAIN", "unset"),
        "com.example.python-path-head": env["PATH"].split(":")[0],
    })
"""


@pytest.mark.buildah
def test_build_contract(cli, app, tmp_path, layer_cache):
    out = tmp_path / "out"
    out.mkdir()
    bps = app.parent / "bps"
    exec_buildpack(
        bps,
        "t/a",
        detect=plan_toml("thing"),
        build=PROVIDER_BUILD,
    )
    exec_buildpack(
        bps,
        "t/b",
        detect="""\
        cat > "$2" <<'EOF'
        [[requires]]
        name = "thing"
        [requires.metadata]
        flavour = "mint"
        EOF
        """,
        build=CONSUMER_BUILD,
    )
    exec_buildpack(
        bps,
        "t/c",
        detect=plan_toml("thing", "thing"),
        build='cp "$3" "$OUT/c.plan.toml"\n',
    )
    python = tmp_path / "py-after"
    python.mkdir()
    (python / "plugin.py").write_text(PYTHON_AFTER)
    project_toml(app, [{"uri": "../bps/t_a"}, {"uri": "../bps/t_b"}, {"uri": "../bps/t_c"}])
    layout = tmp_path / "layout"
    result = cli(
        "build",
        app,
        "--buildpack",
        python,
        "-e",
        f"OUT={out}",
        "--platform",
        "linux/amd64",
        "--output",
        f"oci:{layout}",
    )
    assert result.code == 0, result.err

    # t/a was asked for "thing" with t/b's metadata, left it unmet, so t/c got it too
    assert 'name = "thing"' in (out / "a.plan.toml").read_text()
    assert 'flavour = "mint"' in (out / "a.plan.toml").read_text()
    assert 'flavour = "mint"' in (out / "c.plan.toml").read_text()
    assert (out / "b.plan.toml").read_text().strip() == "entries = []"

    # build layers reach later buildpacks (bin/ on PATH, env.build), launch env does not
    facts = dict(line.split("=", 1) for line in (out / "b.facts").read_text().splitlines())
    assert facts["tool"] == "hi from tool"
    assert facts["GREETING"] == "hello"
    assert facts["NOT_IN_IMAGE"] == facts["WEB_HOME"] == "unset"
    assert facts["layers"].endswith("/layers/t_b")
    assert facts["args"] == facts["vars"]
    assert facts["target"] == "linux/amd64"
    assert facts["pwd"] == str(app)

    config = skopeo_config(f"oci:{layout}:latest")["config"]
    labels = config["Labels"]
    # Python buildpacks see the same environment, go-dist's build layer included
    assert labels["com.example.python-saw"] == "hello"
    assert labels["com.example.python-toolchain"] == "local"
    assert labels["com.example.python-path-head"].endswith("/layers/t_a/tools/bin")
    assert labels["com.example.from-launch-toml"] == "yes"

    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["WEB_HOME"] == "/layers/t_a/web/share"  # the build's path, as in the image
    assert env["PATH"].endswith(":/bin:/extra")
    assert "GREETING" not in env and "NOT_IN_IMAGE" not in env

    processes = json.loads(labels["io.buildpacks.build.metadata"])["processes"]
    serve = next(p for p in processes if p["type"] == "serve")
    assert serve["command"] == ["/layers/t_a/web/bin/serve", "--root"]
    assert serve["args"] == ["/layers/t_a/web/share"]
    assert serve["working-dir"] == "/layers/t_a/web"
    assert serve["buildpackID"] == "t/a"

    rootfs = umoci_unpack(layout, "latest", tmp_path / "unpacked")
    assert (rootfs / "layers/t_a/web/share/index.txt").read_text() == "web page\n"
    # env files in the image hold image paths, as a CNB lifecycle's /layers would
    assert (rootfs / "layers/t_a/web/env.launch/WEB_HOME.default").read_text() == (
        "/layers/t_a/web/share"
    )
    assert not (rootfs / "layers/t_a/tools").exists()  # build layer: not exported
    assert not (rootfs / "layers/t_a/scratch").exists()  # no types: ignored


COUNTER_BUILD = """\
layers=$1
if [ -f "$layers/counter.toml" ]; then
  echo "restored: $(tr '\\n' ' ' < "$layers/counter.toml")"
else
  echo "restored: none"
fi
n=$(cat "$layers/counter/n" 2>/dev/null || echo 0)
n=$((n + 1))
mkdir -p "$layers/counter"
echo "$n" > "$layers/counter/n"
echo "counter=$n"
case "$BP_MODE" in
  keep) printf '[types]\\ncache = true\\n[metadata]\\nrun = %s\\n' "$n" > "$layers/counter.toml" ;;
  drop) printf '[metadata]\\nrun = %s\\n' "$n" > "$layers/counter.toml" ;;
  fail) exit 3 ;;
esac
"""


@pytest.mark.buildah
def test_cache_layer_lifecycle(cli, app, tmp_path, layer_cache):
    exec_buildpack(
        app.parent / "bps", "t/counter", detect=plan_toml("counter", "counter"), build=COUNTER_BUILD
    )
    project_toml(app, [{"uri": "../bps/t_counter"}])
    layout = tmp_path / "layout"

    def build(mode: str):
        return cli("build", app, "-e", f"BP_MODE={mode}", "--output", f"oci:{layout}")

    first = build("keep")
    assert first.code == 0, first.err
    assert "restored: none" in first.err and "counter=1" in first.err
    go_build = {"gobuildpack_go-build": ["targets"]}  # the built-in's binaries, kept too
    assert layer_cache.cached_layers() == {**go_build, "t_counter": ["counter"]}

    second = build("keep")
    assert second.code == 0, second.err
    # restored with its metadata but without [types]: the buildpack must declare it again
    assert "restored: [metadata] run = 1" in second.err
    assert "counter=2" in second.err

    failed = build("fail")
    assert failed.code == errors.BuildFailed.exit_code
    assert "buildpack t/counter: bin/build failed with exit status 3" in failed.err
    assert "counter=3" in failed.err  # its output is repeated in the error

    after_failure = build("keep")
    assert after_failure.code == 0, after_failure.err
    assert "counter=3" in after_failure.err  # the failed build saved nothing

    dropped = build("drop")
    assert dropped.code == 0 and "counter=4" in dropped.err
    assert layer_cache.cached_layers() == go_build  # not declared cache: not kept

    fresh = build("keep")
    assert fresh.code == 0 and "counter=1" in fresh.err

    rootfs = umoci_unpack(layout, "latest", tmp_path / "unpacked")
    assert not (rootfs / "layers/t_counter").exists()  # cache-only: never in the image


@pytest.mark.parametrize(
    ("launch_toml", "message"),
    [
        ('[[processes]]\ntype = "web"\ncommand = "./run"\n', "`command` is a string"),
        (
            '[[processes]]\ntype = "web"\ncommand = ["run"]\ndirect = true\n',
            "`direct` is gone since Buildpack API 0.9",
        ),
        ('[[processes]]\ntype = "a b"\ncommand = ["x"]\n', "a type may hold only"),
        (
            '[[processes]]\ntype = "a"\ncommand = ["x"]\ndefault = true\n'
            '[[processes]]\ntype = "b"\ncommand = ["y"]\ndefault = true\n',
            "more than one process has default = true",
        ),
    ],
)
def test_bad_launch_toml(cli, app, tmp_path, launch_toml, message):
    build = f"cat > \"$1/launch.toml\" <<'EOF'\n{launch_toml}EOF\n"
    exec_buildpack(app.parent / "bps", "t/bad", detect=plan_toml(), build=build)
    project_toml(app, [{"uri": "../bps/t_bad"}])
    result = cli("build", app, "--output", f"oci:{tmp_path / 'layout'}")
    assert result.code == errors.BuildFailed.exit_code
    assert "buildpack t/bad wrote an invalid launch.toml" in result.err
    assert message in result.err


def test_launch_layer_without_directory(cli, app, tmp_path):
    build = 'printf "[types]\\nlaunch = true\\n" > "$1/ghost.toml"\n'
    exec_buildpack(app.parent / "bps", "t/ghost", detect=plan_toml(), build=build)
    project_toml(app, [{"uri": "../bps/t_ghost"}])
    result = cli("build", app, "--output", f"oci:{tmp_path / 'layout'}")
    assert result.code == 51
    assert "layer 'ghost' is a launch layer but" in result.err


# -- the sample: samples/with-assets built with samples/plugins/static-assets-buildpack ------


def _with_assets(tmp_path: Path) -> Path:
    """Copy the app and its buildpack, keeping project.toml's relative uri valid."""
    shutil.copytree(SAMPLES / "plugins", tmp_path / "plugins")
    return copy_sample("with-assets", tmp_path)


@pytest.mark.e2e
@pytest.mark.buildah
@pytest.mark.podman
def test_with_assets_sample(cli, tmp_path):
    from helpers import http_get, podman_run, running_container

    app = _with_assets(tmp_path)
    cache = LayerCache(CacheDirs.from_env().layers, app)
    layout = tmp_path / "layout"
    try:
        first = cli("build", app, "--output", f"oci:{layout}:latest")
        assert first.code == 0, first.err
        assert "static-assets: building the assets tool" in first.err
        second = cli("build", app, "--output", f"oci:{layout}:again")
        assert second.code == 0, second.err
    finally:
        shutil.rmtree(cache.dir, ignore_errors=True)
    # the cache layer survived: the tool was not compiled again, and the image is the same
    assert "static-assets: reusing cached assets tool" in second.err
    assert "building the assets tool" not in second.err
    assert first.out.split()[1] == second.out.split()[1]

    config = skopeo_config(f"oci:{layout}:latest")["config"]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["ASSETS_DIR"] == "/layers/samples_static-assets/assets/share/assets"
    assert env["PATH"].startswith("/layers/samples_static-assets/assets/bin:")
    assert config["Labels"]["com.example.static-assets.files"] == "2"
    metadata = json.loads(config["Labels"]["io.buildpacks.build.metadata"])
    assert {"id": "samples/static-assets", "version": "0.1.0"} in metadata["buildpacks"]
    assets = next(p for p in metadata["processes"] if p["type"] == "assets")
    assert assets["command"] == ["/layers/samples_static-assets/assets/bin/assets"]

    rootfs = umoci_unpack(layout, "latest", tmp_path / "unpacked")
    shipped = rootfs / "layers/samples_static-assets/assets/share/assets/index.html"
    assert shipped.read_text() == (app / "static/index.html").read_text()
    assert not (rootfs / "layers/samples_static-assets/assets-tool").exists()  # cache only

    image = f"oci:{layout}:latest"
    listing = podman_run(image, *assets["args"], entrypoint=assets["command"][0])
    assert listing.splitlines() == [
        f"index.html {shipped.stat().st_size}",
        f"style.css {(app / 'static/style.css').stat().st_size}",
    ]
    assert (
        podman_run(image, "cat", "style.css", entrypoint="assets")
        == (app / "static/style.css").read_text()
    )
    with running_container(image) as url:
        assert http_get(f"{url}/healthz") == "ok\n"
        assert http_get(f"{url}/index.html") == shipped.read_text()
