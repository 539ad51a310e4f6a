"""CNB environment files: suffix semantics, delimiters, ordering across layers and buildpacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from gobuildpack.layerenv import (
    EnvSource,
    LayerEnv,
    apply_buildpack,
    apply_files,
    path_translator,
    rewrite_env_files,
)


@pytest.mark.parametrize(
    ("before", "files", "after"),
    [
        # bare name: override (Buildpack API 0.5+)
        ({"A": "old"}, {"A": "new"}, {"A": "new"}),
        ({}, {"A": "new"}, {"A": "new"}),
        # .override
        ({"A": "old"}, {"A.override": "new"}, {"A": "new"}),
        # .default: only when unset or empty
        ({"A": "old"}, {"A.default": "new"}, {"A": "old"}),
        ({"A": ""}, {"A.default": "new"}, {"A": "new"}),
        ({}, {"A.default": "new"}, {"A": "new"}),
        # .prepend / .append without .delim: plain concatenation
        ({"A": "old"}, {"A.prepend": "new"}, {"A": "newold"}),
        ({"A": "old"}, {"A.append": "new"}, {"A": "oldnew"}),
        # ... with .delim
        ({"A": "old"}, {"A.prepend": "new", "A.delim": ":"}, {"A": "new:old"}),
        ({"A": "old"}, {"A.append": "new", "A.delim": " "}, {"A": "old new"}),
        # no delimiter dangles when there was no value
        ({}, {"A.prepend": "new", "A.delim": ":"}, {"A": "new"}),
        ({"A": ""}, {"A.append": "new", "A.delim": ":"}, {"A": "new"}),
        # a .delim file alone changes nothing
        ({"A": "old"}, {"A.delim": ":"}, {"A": "old"}),
        # contents are taken verbatim: no stripping, no shell evaluation
        ({}, {"A": "with newline\n"}, {"A": "with newline\n"}),
        ({}, {"A": "$HOME and `x`"}, {"A": "$HOME and `x`"}),
        # the name ends at the first period
        ({}, {"JAVA.OPTS": "x"}, {}),
        # files apply in name order: A.append before A.prepend
        ({"A": "m"}, {"A.prepend": "p", "A.append": "a", "A.delim": "-"}, {"A": "p-m-a"}),
    ],
)
def test_suffix_semantics(before, files, after):
    env = dict(before)
    apply_files(env, files)
    assert env == after


def test_unknown_suffix_is_reported_and_changes_nothing():
    env = {"A": "old"}
    assert apply_files(env, {"A.replace": "x", "B.upsert": "y", ".hidden": "z"}) == [
        ".hidden",
        "A.replace",
        "B.upsert",
    ]
    assert env == {"A": "old"}


def test_delim_of_the_layers_env_dir_serves_its_scoped_dirs(tmp_path):
    layer = LayerEnv(common={"P.delim": ":"}, build={"P.prepend": "b"})
    env = {"P": "base"}
    apply_buildpack(env, [EnvSource("l", tmp_path, str(tmp_path), layer)], "build")
    assert env == {"P": "b:base"}


def _source(tmp_path: Path, name: str, env: LayerEnv, subdirs: tuple[str, ...] = ()) -> EnvSource:
    host = tmp_path / name
    for sub in subdirs:
        (host / sub).mkdir(parents=True)
    return EnvSource(name, host, f"/layers/bp/{name}", env)


def test_layers_within_a_buildpack_apply_in_name_order(tmp_path):
    a = LayerEnv(common={"O": "a", "D.default": "a", "P.prepend": "a", "P.delim": ":"})
    b = LayerEnv(common={"O": "b", "D.default": "b", "P.prepend": "b", "P.delim": ":"})
    env: dict[str, str] = {}
    # given out of order on purpose
    apply_buildpack(env, [_source(tmp_path, "b", b), _source(tmp_path, "a", a)], "launch")
    # override: the later layer wins; default: the earlier; prepend: sorted descending
    assert env == {"O": "b", "D": "a", "P": "b:a"}


def test_later_buildpacks_override_prepend_first_and_lose_defaults(tmp_path):
    env = {"PATH": "/usr/bin"}
    first = LayerEnv(common={"O": "1", "D.default": "1"}, launch={"PATH.prepend": "/one"})
    first.launch["PATH.delim"] = ":"
    second = LayerEnv(common={"O": "2", "D.default": "2"})
    second.prepend("PATH", "/two", where="launch")
    apply_buildpack(env, [_source(tmp_path, "x", first)], "launch")
    apply_buildpack(env, [_source(tmp_path, "x", second)], "launch")
    assert env == {"PATH": "/two:/one:/usr/bin", "O": "2", "D": "1"}


def test_env_then_scoped_dir_within_a_layer(tmp_path):
    layer = LayerEnv(
        common={"O": "env", "D.default": "env"},
        build={"O": "env.build", "D.default": "env.build"},
        launch={"O": "env.launch"},
    )
    build: dict[str, str] = {}
    apply_buildpack(build, [_source(tmp_path, "l", layer)], "build")
    assert build == {"O": "env.build", "D": "env"}
    launch: dict[str, str] = {}
    apply_buildpack(launch, [_source(tmp_path, "l", layer)], "launch")
    assert launch == {"O": "env.launch", "D": "env"}


def test_root_directories_by_scope(tmp_path):
    subdirs = ("bin", "lib", "include", "pkgconfig")
    a = _source(tmp_path, "a", LayerEnv(), subdirs)
    b = _source(tmp_path, "b", LayerEnv(), ("bin",))
    build = {"PATH": "/usr/bin"}
    apply_buildpack(build, [b, a], "build")
    # one buildpack's layers in ascending name order, before what was there
    assert build == {
        "PATH": "/layers/bp/a/bin:/layers/bp/b/bin:/usr/bin",
        "LD_LIBRARY_PATH": "/layers/bp/a/lib",
        "LIBRARY_PATH": "/layers/bp/a/lib",
        "CPATH": "/layers/bp/a/include",
        "PKG_CONFIG_PATH": "/layers/bp/a/pkgconfig",
    }
    launch: dict[str, str] = {}
    apply_buildpack(launch, [a], "launch")
    assert launch == {"PATH": "/layers/bp/a/bin", "LD_LIBRARY_PATH": "/layers/bp/a/lib"}


def test_read_from_a_layer_directory(tmp_path):
    layer = tmp_path / "layer"
    (layer / "env").mkdir(parents=True)
    (layer / "env.build").mkdir()
    (layer / "env.launch" / "web").mkdir(parents=True)
    (layer / "env" / "A.default").write_text("a\n")
    (layer / "env.build" / "B").write_text("b")
    (layer / "env.launch" / "C.override").write_text("c")
    (layer / "env.launch" / "web" / "D").write_text("d")
    env = LayerEnv.read(layer)
    assert env.common == {"A.default": "a\n"}
    assert env.build == {"B": "b"}
    assert env.launch == {"C.override": "c"}
    assert env.ignored == ["env.launch/web/"]  # process-specific: needs a launcher


def test_translation_of_host_paths(tmp_path):
    layer = tmp_path / "work" / "layers" / "bp" / "web"
    (layer / "env.launch").mkdir(parents=True)
    (layer / "env.launch" / "HOME.default").write_text(f"{layer}/share")
    (layer / "env.launch" / "OTHER").write_text(f"{tmp_path}/work/layers/bp/other")
    translate = path_translator([(layer, "/srv/web"), (tmp_path / "work" / "layers", "/layers")])
    rewrite_env_files(layer, translate)
    assert (layer / "env.launch" / "HOME.default").read_text() == "/srv/web/share"
    assert (layer / "env.launch" / "OTHER").read_text() == "/layers/bp/other"
