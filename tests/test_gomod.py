"""Tests for gobuildpack.gomod: go.mod, go.work and vendor/modules.txt parsing, Go versions.

The differential tests compare the parser with the real go command (``go mod edit -json``,
``go work edit -json``, ``go mod vendor``); they are skipped when ``go`` is not on PATH.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gobuildpack.errors import ProjectFileError
from gobuildpack.gomod import (
    Exclude,
    GoMod,
    GoVersion,
    Replace,
    Require,
    Retract,
    Use,
    VendoredModule,
    parse_gomod,
    parse_gomod_text,
    parse_gowork,
    parse_gowork_text,
    parse_modules_txt,
    parse_modules_txt_text,
    toolchain_version,
)

GO = shutil.which("go")
needs_go = pytest.mark.skipif(GO is None, reason="go is not on PATH")


def write(tmp_path: Path, text: str, name: str = "go.mod") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def parse(tmp_path: Path, text: str) -> GoMod:
    return parse_gomod(write(tmp_path, text))


def parse_error(tmp_path: Path, text: str, name: str = "go.mod") -> ProjectFileError:
    path = write(tmp_path, text, name)
    with pytest.raises(ProjectFileError) as info:
        if name == "go.work":
            parse_gowork(path)
        elif name == "modules.txt":
            parse_modules_txt(path)
        else:
            parse_gomod(path)
    assert info.value.file == path
    return info.value


# --------------------------------------------------------------------------------------------
# go.mod: directives and syntax


def test_full_file(tmp_path: Path) -> None:
    text = """\
// Deprecated: use example.com/new instead.
module example.com/app

go 1.22.1

toolchain go1.23.4

godebug (
\tpanicnil=1
\thttp2client=0
)

require (
\tgithub.com/a/b v1.2.3
\tgolang.org/x/text v0.14.0 // indirect
)

require example.com/single v0.1.0

exclude example.com/bad v1.0.0

replace example.com/old v1.0.0 => example.com/new v1.1.0

replace example.com/local => ../local

retract v1.0.1 // published by mistake

tool golang.org/x/tools/cmd/stringer

ignore ./node_modules
"""
    mod = parse(tmp_path, text)
    assert mod.file == tmp_path / "go.mod"
    assert mod.module == "example.com/app"
    assert mod.module_deprecated == "use example.com/new instead."
    assert (mod.go, mod.go_line) == ("1.22.1", 4)
    assert (mod.toolchain, mod.toolchain_line) == ("go1.23.4", 6)
    assert mod.godebug == (("panicnil", "1"), ("http2client", "0"))
    assert mod.requires == (
        Require("github.com/a/b", "v1.2.3", False, 14),
        Require("golang.org/x/text", "v0.14.0", True, 15),
        Require("example.com/single", "v0.1.0", False, 18),
    )
    assert mod.excludes == (Exclude("example.com/bad", "v1.0.0", 20),)
    assert mod.replaces == (
        Replace("example.com/old", "v1.0.0", "example.com/new", "v1.1.0", 22),
        Replace("example.com/local", None, "../local", None, 24),
    )
    assert mod.retracts == (Retract("v1.0.1", "v1.0.1", "published by mistake", 26),)
    assert mod.tools == ("golang.org/x/tools/cmd/stringer",)
    assert mod.ignores == ("./node_modules",)


def test_minimal_file(tmp_path: Path) -> None:
    mod = parse(tmp_path, "module m")  # no trailing newline
    assert mod.module == "m"
    assert mod.go is None and mod.go_line is None
    assert mod.toolchain is None and mod.toolchain_line is None
    assert mod.module_deprecated is None
    empty = (mod.requires, mod.replaces, mod.excludes, mod.retracts, mod.tools, mod.ignores)
    assert empty == ((),) * 6
    assert mod.godebug == ()


def test_parse_text_needs_no_file(tmp_path: Path) -> None:
    mod = parse_gomod_text("module x\ngo 1.21\n", tmp_path / "nowhere" / "go.mod")
    assert (mod.module, mod.go, mod.file) == ("x", "1.21", tmp_path / "nowhere" / "go.mod")


@pytest.mark.parametrize(
    ("text", "module"),
    [
        ("module example.com/m\n", "example.com/m"),
        ('module "example.com/m"\n', "example.com/m"),
        ('module "example.com/\\x6d\\u00e9"\n', "example.com/m\u00e9"),
        ('module "example.com/with space"\n', "example.com/with space"),
        ('module "tab\\there"\n', "tab\there"),
        ('module "a\\\\b\\"c"\n', 'a\\b"c'),
        ('module "\\101\\U0001F600"\n', "A\U0001f600"),
        ("module example.com/m // a comment\n", "example.com/m"),
        ("module example.com/m// comment right after\n", "example.com/m"),
        ("module (\n\texample.com/block\n)\n", "example.com/block"),
        ("  \tmodule   example.com/spaces   \n", "example.com/spaces"),
        ("module example.com/crlf\r\ngo 1.21\r\n", "example.com/crlf"),
        ("module example.com/\u00e9t\u00e9\n", "example.com/\u00e9t\u00e9"),
    ],
)
def test_module_forms(tmp_path: Path, text: str, module: str) -> None:
    assert parse(tmp_path, text).module == module


@pytest.mark.parametrize(
    ("text", "deprecated"),
    [
        ("// Deprecated: use b\nmodule a\n", "use b"),
        ("module a // Deprecated: use c\n", "use c"),
        ("// Deprecated:use d\nmodule a\n", "use d"),
        ("// Deprecated: first\n//\n// second paragraph\nmodule a\n", "first"),
        ("// intro\n//\n// Deprecated: later\nmodule a\n", "later"),
        ("// intro\n// Deprecated: not a paragraph start\nmodule a\n", None),
        ("// Deprecated: far away\n\nmodule a\n", None),  # a blank line detaches the comment
        ("// deprecated: lower case\nmodule a\n", None),
        ("// Deprecated:\nmodule a\n", None),
        ("// Deprecated: two\n// lines\nmodule a\n", "two\nlines"),
        ("// Deprecated: block\nmodule (\n\ta\n)\n", "block"),
        ("module a\n", None),
    ],
)
def test_module_deprecation(tmp_path: Path, text: str, deprecated: str | None) -> None:
    assert parse(tmp_path, text).module_deprecated == deprecated


@pytest.mark.parametrize(
    ("line", "go"),
    [("go 1.21", "1.21"), ("go 1.21.0", "1.21.0"), ("go 1.21rc1", "1.21rc1"), ("go 1.9", "1.9")],
)
def test_go_directive(tmp_path: Path, line: str, go: str) -> None:
    mod = parse(tmp_path, f"module x\n\n{line}\n")
    assert (mod.go, mod.go_line) == (go, 3)


@pytest.mark.parametrize(
    "name", ["go1.21.0", "go1.22rc1", "default", "go1.21", "go1.21.3-bigcorp", "go1"]
)
def test_toolchain_directive(tmp_path: Path, name: str) -> None:
    mod = parse(tmp_path, f"module x\ngo 1.21\ntoolchain {name}\n")
    assert (mod.toolchain, mod.toolchain_line) == (name, 3)


@pytest.mark.parametrize(
    ("comment", "indirect"),
    [
        ("", False),
        ("// indirect", True),
        ("//indirect", True),
        ("//   indirect   ", True),
        ("// indirect; needed by foo", True),
        ("// indirect;", False),
        ("// indirectly", False),
        ("// not indirect", False),
        ("// indirect, really", False),
    ],
)
def test_require_indirect(tmp_path: Path, comment: str, indirect: bool) -> None:
    single = parse(tmp_path, f"module x\nrequire a.com/b v1.0.0 {comment}\n")
    block = parse(tmp_path, f"module x\nrequire (\n\ta.com/b v1.0.0 {comment}\n)\n")
    assert single.requires == (Require("a.com/b", "v1.0.0", indirect, 2),)
    assert block.requires == (Require("a.com/b", "v1.0.0", indirect, 3),)


def test_indirect_comment_on_own_line_does_not_count(tmp_path: Path) -> None:
    mod = parse(tmp_path, "module x\nrequire (\n\t// indirect\n\ta.com/b v1.0.0\n)\n")
    assert mod.requires == (Require("a.com/b", "v1.0.0", False, 4),)


@pytest.mark.parametrize(
    ("version", "canonical"),
    [
        ("v1.2.3", "v1.2.3"),
        ("v1.2", "v1.2.0"),
        ("v1", "v1.0.0"),
        ('"v1.4.0"', "v1.4.0"),
        ("v1.2.3-pre.1", "v1.2.3-pre.1"),
        ("v1.2.3+build.7", "v1.2.3"),
        ("v2.0.0+incompatible", "v2.0.0+incompatible"),
        ("v0.0.0-20230102150405-abcdefabcdef", "v0.0.0-20230102150405-abcdefabcdef"),
    ],
)
def test_require_versions_are_canonical(tmp_path: Path, version: str, canonical: str) -> None:
    mod = parse(tmp_path, f"module x\nrequire example.com/dep {version}\n")
    assert mod.requires[0].version == canonical


@pytest.mark.parametrize(
    ("path", "version"),
    [
        ("example.com/m/v2", "v2.1.0"),
        ("example.com/m/v10", "v10.0.0-rc.1"),
        ("gopkg.in/yaml.v3", "v3.0.1"),
        ("gopkg.in/check.v1", "v0.0.0-20161208181325-20d25e280405"),
        ("gopkg.in/foo.v2-unstable", "v2.0.0"),
        ("example.com/m", "v4.0.0+incompatible"),
    ],
)
def test_require_major_version_suffixes(tmp_path: Path, path: str, version: str) -> None:
    assert parse(tmp_path, f"module x\nrequire {path} {version}\n").requires[0].version == version


def test_block_comments_and_blank_lines(tmp_path: Path) -> None:
    text = """\
module x // trailing comment

// a comment block
// before require
require ( // comment after the paren

\t// comment before a line
\ta.com/one v1.0.0

\t"a.com/two" v1.1.0 // indirect
\t// dangling comment before the paren
) // comment after the closing paren

require ()
require (
)
"""
    mod = parse(tmp_path, text)
    assert mod.requires == (
        Require("a.com/one", "v1.0.0", False, 8),
        Require("a.com/two", "v1.1.0", True, 10),
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("a.com/b => ./b", ("a.com/b", None, "./b", None)),
        ("a.com/b => ../b", ("a.com/b", None, "../b", None)),
        ("a.com/b => /abs/b", ("a.com/b", None, "/abs/b", None)),
        ("a.com/b => .", ("a.com/b", None, ".", None)),
        ("a.com/b v1.0.0 => ./b", ("a.com/b", "v1.0.0", "./b", None)),
        ("a.com/b v1.0.0 => c.com/d v1.2.0", ("a.com/b", "v1.0.0", "c.com/d", "v1.2.0")),
        ("a.com/b => c.com/d v1.2", ("a.com/b", None, "c.com/d", "v1.2.0")),
        ('"a.com/b" => "./with space"', ("a.com/b", None, "./with space", None)),
        ("a.com/b/v2 v2.0.0 => ./v2", ("a.com/b/v2", "v2.0.0", "./v2", None)),
        ("a.com/b => c.com/d/v3 v3.1.0", ("a.com/b", None, "c.com/d/v3", "v3.1.0")),
    ],
)
def test_replace_forms(
    tmp_path: Path, line: str, expected: tuple[str, str | None, str, str | None]
) -> None:
    single = parse(tmp_path, f"module x\nreplace {line}\n").replaces
    block = parse(tmp_path, f"module x\nreplace (\n\t{line}\n)\n").replaces
    assert single == (Replace(*expected, line=2),)
    assert block == (Replace(*expected, line=3),)
    assert single[0].is_local == (expected[3] is None)


@pytest.mark.parametrize(
    ("new_path", "local"),
    [
        ("./x", True),
        ("../x", True),
        ("/x", True),
        (".", True),
        ("..", True),
        ("example.com/x", False),
        (".example.com/x", False),
        ("...", False),
    ],
)
def test_replace_is_local(new_path: str, local: bool) -> None:
    assert Replace("a.com/b", None, new_path, None, 1).is_local is local


def test_exclude(tmp_path: Path) -> None:
    mod = parse(tmp_path, "module x\nexclude (\n\ta.com/b v1.0.0\n\ta.com/b v1.1\n)\n")
    assert mod.excludes == (Exclude("a.com/b", "v1.0.0", 3), Exclude("a.com/b", "v1.1.0", 4))


@pytest.mark.parametrize(
    ("text", "retracts"),
    [
        ("retract v1.0.0\n", [("v1.0.0", "v1.0.0", "", 2)]),
        ("retract v1.0.0 // oops\n", [("v1.0.0", "v1.0.0", "oops", 2)]),
        ("// why\nretract v1.0.0\n", [("v1.0.0", "v1.0.0", "why", 3)]),
        ("// one\n// two\nretract v1.0.0 // three\n", [("v1.0.0", "v1.0.0", "one\ntwo\nthree", 4)]),
        ("retract [v1.0.0, v1.9.9]\n", [("v1.0.0", "v1.9.9", "", 2)]),
        ("retract [ v1.0.0 , v1.9.9 ] // range\n", [("v1.0.0", "v1.9.9", "range", 2)]),
        ("retract [v1.0.0,v1.9.9]\n", [("v1.0.0", "v1.9.9", "", 2)]),
        ("retract v1.2 // kept as written\n", [("v1.2", "v1.2", "kept as written", 2)]),
        (
            # The block's comment applies to lines without comments of their own; a blank line
            # before a line counts as "its own comment" in modfile (it then has no rationale).
            "// block reason\nretract (\n\tv1.0.0\n\tv1.1.0 // own\n\n\tv1.2.0\n"
            "\t// before\n\n\tv1.3.0\n)\n",
            [
                ("v1.0.0", "v1.0.0", "block reason", 4),
                ("v1.1.0", "v1.1.0", "own", 5),
                ("v1.2.0", "v1.2.0", "", 7),
                ("v1.3.0", "v1.3.0", "before", 10),
            ],
        ),
        ("retract (\n\t[v0.1.0, v0.2.0] // bad range\n)\n", [("v0.1.0", "v0.2.0", "bad range", 3)]),
    ],
)
def test_retract(tmp_path: Path, text: str, retracts: list[tuple[str, str, str, int]]) -> None:
    mod = parse(tmp_path, "module x\n" + text)
    assert mod.retracts == tuple(Retract(*r) for r in retracts)


@pytest.mark.parametrize(
    ("text", "godebug"),
    [
        ("godebug panicnil=1\n", (("panicnil", "1"),)),
        ("godebug default=go1.21\n", (("default", "go1.21"),)),
        ("godebug a=b=c\n", (("a", "b=c"),)),
        ("godebug empty=\n", (("empty", ""),)),
        ("godebug (\n\tx=1 // note\n\ty=2\n)\n", (("x", "1"), ("y", "2"))),
    ],
)
def test_godebug(tmp_path: Path, text: str, godebug: tuple[tuple[str, str], ...]) -> None:
    assert parse(tmp_path, "module x\n" + text).godebug == godebug


def test_tool_and_ignore(tmp_path: Path) -> None:
    text = (
        "module x\ntool golang.org/x/tools/cmd/stringer\ntool (\n\texample.com/a/cmd/b\n"
        '\t"example.com/c"\n)\nignore (\n\t./node_modules\n\tstatic\n)\nignore "./x y"\n'
    )
    mod = parse(tmp_path, text)
    assert mod.tools == (
        "golang.org/x/tools/cmd/stringer",
        "example.com/a/cmd/b",
        "example.com/c",
    )
    assert mod.ignores == ("./node_modules", "static", "./x y")


def test_directives_in_any_order_and_multiple_blocks(tmp_path: Path) -> None:
    text = "require a.com/b v1.0.0\ngo 1.21\nrequire (\n\tc.com/d v1.0.0\n)\nmodule x\n"
    mod = parse(tmp_path, text)
    assert mod.module == "x"
    assert [r.path for r in mod.requires] == ["a.com/b", "c.com/d"]
    assert mod.go_line == 2


def test_line_numbers_count_blank_and_comment_lines(tmp_path: Path) -> None:
    text = "\n\n// c\nmodule x\n\n\n   // c\n\ngo 1.21\r\n\r\ntoolchain go1.22.0\n"
    mod = parse(tmp_path, text)
    assert (mod.go_line, mod.toolchain_line) == (9, 11)


def test_parsed_objects_are_frozen(tmp_path: Path) -> None:
    mod = parse(tmp_path, "module x\nrequire a.com/b v1.0.0\n")
    with pytest.raises(AttributeError):
        mod.module = "y"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        mod.requires[0].version = "v2"  # type: ignore[misc]
    assert isinstance(mod.requires, tuple)


# --------------------------------------------------------------------------------------------
# go.mod: errors


ERROR_CASES: list[tuple[str, int | None, str, str]] = [
    # (text, line, message contains, hint contains)
    ("module x\nfoo bar\n", 2, "unknown directive: foo", "check the spelling"),
    ("module x\nfoo\nbar (\n\tbaz\n)\n", 2, "unknown directive: foo", ""),  # errors in file order
    ("module x\n\nModule y\n", 3, "unknown directive: Module", "module, go, toolchain"),
    ("module x\ngo (\n\t1.21\n)\n", 2, "unknown block type: go", "require"),
    ("module x\nrequire a.com/b (\n)\n", 2, "unknown block type: require a.com/b", "blocks"),
    ('module x\nrequire "a.com/b v1.0.0\n', 2, "unterminated quoted string", "close the string"),
    ('module x\n\nrequire "a.com/b', 3, "unterminated quoted string", "quote"),
    ("module x\nrequire `a.com/b\n", 2, "unterminated quoted string", "quote"),
    ("module x\n\nrequire (\n\ta.com/b v1.0.0\n", 3, "unterminated block", "syntax"),
    (
        "module x\nrequire (\n\ta.com/b v1.0.0\n) junk\n",
        4,
        "expected newline after closing paren",
        "",
    ),
    ("module x\n/* old style */\n", 2, "mod files must use // comments", "syntax"),
    ("module x\ngo 1.21\x0b\n", 2, "unexpected input character", "syntax"),
    ("\ufeffmodule x\n", 1, "unexpected input character", "byte-order mark"),
    ("module x\nrequire a.com/b\n", 2, "usage: require module/path v1.2.3", "go mod tidy"),
    ("module x\nrequire a.com/b v1 v2\n", 2, "usage: require module/path v1.2.3", "go mod tidy"),
    ("module x\nexclude a.com/b\n", 2, "usage: exclude module/path v1.2.3", "exclude"),
    (
        "module x\nrequire (\n\ta.com/ok v1.0.0\n\n\ta.com/b master\n)\n",
        5,
        'require a.com/b: version "master" invalid: must be of the form v1.2.3',
        "semantic version",
    ),
    ("module x\nrequire a.com/b 1.2.3\n", 2, 'version "1.2.3" invalid', "v1.2.3"),
    ("module x\nrequire a.com/b v1.02.3\n", 2, 'version "v1.02.3" invalid', "v1.2.3"),
    (
        "module x\nrequire a.com/b/v2 v1.0.0\n",
        2,
        'require a.com/b/v2: version "v1.0.0" invalid: should be v2, not v1',
        "/vN",
    ),
    ("module x\nrequire a.com/b v2.0.0\n", 2, "should be v0 or v1, not v2", "incompatible"),
    ("module x\nrequire a.com/b/v1 v1.0.0\n", 2, "require a.com/b/v1: invalid module path", "/v2"),
    ("module x\nrequire gopkg.in/yaml v1.0.0\n", 2, "invalid module path", ""),
    ("module x\ngo 1.x\n", 2, "invalid go version '1.x': must match format 1.23.0", "go 1.23"),
    ("module x\ngo 1.21.x\n", 2, "invalid go version '1.21.x'", "go 1.23"),
    ("module x\ngo go1.21\n", 2, "invalid go version 'go1.21'", "no `go` prefix"),
    ("module x\ngo v1.21\n", 2, "invalid go version 'v1.21'", ""),
    ("module x\ngo 1\n", 2, "invalid go version '1'", ""),
    ('module x\ngo "1.21"\n', 2, "invalid go version '\"1.21\"'", ""),
    ("module x\ngo 1.21.0rc1\n", 2, "invalid go version '1.21.0rc1'", ""),
    ("module x\ngo\n", 2, "go directive expects exactly one argument", ""),
    ("module x\ngo 1.21 1.22\n", 2, "go directive expects exactly one argument", ""),
    ("module x\ngo 1.21\n\ngo 1.22\n", 4, "repeated go statement", "remove the extra go line"),
    ("module x\nmodule y\n", 2, "repeated module statement", "remove the extra module line"),
    ("module x\ntoolchain go1.21.0\ntoolchain go1.22.0\n", 3, "repeated toolchain statement", ""),
    (
        "module x\ntoolchain 1.21.0\n",
        2,
        "invalid toolchain version '1.21.0': must match format go1.23.0 or default",
        "toolchain go1.23.0",
    ),
    ("module x\ntoolchain go1.x\n", 2, "invalid toolchain version 'go1.x'", ""),
    ("module x\ntoolchain local\n", 2, "invalid toolchain version 'local'", ""),
    ("module x\ntoolchain\n", 2, "toolchain directive expects exactly one argument", ""),
    (
        "module x\nrequire `a.com/b` v1.0.0\n",
        2,
        "invalid quoted string: unquoted string cannot contain quote",
        "double quotes",
    ),
    ("module x\nrequire a.com/'b' v1.0.0\n", 2, "unquoted string cannot contain quote", ""),
    ('module "a\\qb"\n', 1, "invalid quoted string: invalid syntax", "double quotes"),
    ('module "a\\\'b"\n', 1, "invalid quoted string: invalid syntax", ""),
    ('module "a\\xzz"\n', 1, "invalid quoted string: invalid syntax", ""),
    ('module "a\\ud800"\n', 1, "invalid quoted string: invalid syntax", ""),
    ('module "a\\400"\n', 1, "invalid quoted string: invalid syntax", ""),
    ('module "a\\xff"\n', 1, "invalid quoted string: string is not valid UTF-8", ""),
    ("module\n", 1, "usage: module module/path", "module example.com/yourapp"),
    ("module a b\n", 1, "usage: module module/path", ""),
    ("module x\nreplace a.com/b v1.0.0\n", 2, "usage: replace module/path [v1.2.3] =>", "=>"),
    ("module x\nreplace a.com/b => \n", 2, "usage: replace", ""),
    ("module x\nreplace a.com/b => c d e f\n", 2, "usage: replace", ""),
    (
        "module x\nreplace a.com/b => c.com/d\n",
        2,
        "replacement module without version must be directory path",
        "add a version",
    ),
    (
        "module x\nreplace a.com/b => c.com/d@v1.0.0\n",
        2,
        "replacement module must match format 'path version', not 'path@version'",
        "",
    ),
    (
        "module x\nreplace a.com/b => ./d v1.0.0\n",
        2,
        'replacement module directory path "./d" cannot have version',
        "",
    ),
    ("module x\nreplace a.com/b => .\\d\n", 2, "appears to be Windows path", "forward slashes"),
    ("module x\nreplace a.com/b master => ./d\n", 2, 'replace a.com/b: version "master"', ""),
    ("module x\nreplace a.com/b => c.com/d latest\n", 2, 'replace c.com/d: version "latest"', ""),
    ("module x\nreplace a.com/b/v1 => ./d\n", 2, "replace a.com/b/v1: invalid module path", ""),
    ("module x\nretract\n", 2, "expected '[' or version", "retract v1.2.3"),
    ("module x\nretract [\n", 2, "expected version after '['", ""),
    ("module x\nretract [v1.0.0 v1.1.0]\n", 2, "expected ',' after version", ""),
    ("module x\nretract [v1.0.0,\n", 2, "expected version after ','", ""),
    ("module x\nretract [v1.0.0, v1.1.0\n", 2, "expected ']' after version", ""),
    ("module x\nretract v1.0.0 v1.1.0\n", 2, 'unexpected token after version: "v1.1.0"', ""),
    ("module x\nretract (\n\tfoo\n)\n", 3, 'retract: version "foo" invalid', "semantic"),
    ("module x\ngodebug panicnil\n", 2, "usage: godebug key=value", "godebug key=value"),
    ("module x\ngodebug a=1 b=2\n", 2, "usage: godebug key=value", ""),
    ("module x\ngodebug a='1'\n", 2, "usage: godebug key=value", ""),
    ("module x\ntool\n", 2, "tool directive expects exactly one argument", ""),
    ("module x\nignore a b\n", 2, "ignore directive expects exactly one argument", ""),
    ("go 1.21\n", None, "missing module declaration", "go mod edit -module"),
    ("// only a comment\n", None, "missing module declaration", ""),
    ("", None, "missing module declaration", ""),
    ('go 1.21\nmodule ""\n', 2, "empty module path", "module example.com/yourapp"),
]


@pytest.mark.parametrize(("text", "line", "message", "hint"), ERROR_CASES)
def test_gomod_errors(tmp_path: Path, text: str, line: int | None, message: str, hint: str) -> None:
    err = parse_error(tmp_path, text)
    assert err.line == line
    assert message in err.message
    assert hint in (err.hint or "")
    assert err.hint  # every error says what to do
    assert err.exit_code == 22


def test_all_directive_errors_are_reported(tmp_path: Path) -> None:
    err = parse_error(tmp_path, "module x\nfoo bar\nrequire a.com/b\ngo 1.x\n")
    assert (err.line, err.message) == (2, "unknown directive: foo")
    assert err.details is not None
    assert "go.mod:3: usage: require module/path v1.2.3" in err.details
    assert "go.mod:4: invalid go version '1.x'" in err.details
    rendered = err.render()
    assert rendered.startswith(f"error: {tmp_path / 'go.mod'}:2: unknown directive: foo\n  fix: ")


def test_syntax_error_stops_before_directive_errors(tmp_path: Path) -> None:
    # Like modfile: a syntax error anywhere wins over directive errors, which are not reported.
    err = parse_error(tmp_path, "module x\nfoo bar\nrequire (\n")
    assert err.line == 3
    assert "unterminated block" in err.message
    assert err.details is None


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "go.mod"
    path.write_bytes(b"module x\n\ngo 1.21 // caf\xe9\n")
    with pytest.raises(ProjectFileError) as info:
        parse_gomod(path)
    assert info.value.line == 3
    assert "not valid UTF-8" in info.value.message
    assert "UTF-8" in (info.value.hint or "")


def test_unreadable_file(tmp_path: Path) -> None:
    directory = tmp_path / "go.mod"
    directory.mkdir()
    for parser in (parse_gomod, parse_gowork, parse_modules_txt):
        with pytest.raises(ProjectFileError) as info:
            parser(directory)
        assert "cannot read go.mod" in info.value.message
        assert info.value.file == directory


# --------------------------------------------------------------------------------------------
# Go versions


ORDERED_VERSIONS = [
    "1.19",
    "1.20rc1",
    "1.20",
    "1.20.1",
    "1.21",
    "1.21alpha1",
    "1.21beta1",
    "1.21beta2",
    "1.21rc1",
    "1.21rc2",
    "1.21rc10",
    "1.21.0",
    "1.21.1",
    "1.21.2",
    "1.21.10",
    "1.22",
    "1.22rc1",
    "1.22.0",
    "1.100",
    "2.0",
]


def test_version_ordering() -> None:
    versions = [GoVersion.parse(v) for v in ORDERED_VERSIONS]
    for i, a in enumerate(versions):
        for j, b in enumerate(versions):
            assert (a < b) == (i < j), (a, b)
            assert (a <= b) == (i <= j), (a, b)
            assert (a == b) == (i == j), (a, b)
            assert (a > b) == (i > j), (a, b)
            assert (a >= b) == (i >= j), (a, b)
    shuffled = versions[:]
    random.Random(7).shuffle(shuffled)
    assert [str(v) for v in sorted(shuffled)] == ORDERED_VERSIONS
    assert max(shuffled) == GoVersion.parse("2.0")


def test_version_ordering_brief_examples() -> None:
    p = GoVersion.parse
    assert p("1.21") < p("1.21rc1") < p("1.21.0") < p("1.21.1") < p("1.22")
    assert p("1.23beta1") < p("1.23rc1")
    assert p("1.21rc1") < p("1.21.0")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1.20", "1.20.0"),  # before 1.21, "1.N" means "1.N.0"
        ("1.0", "1.0.0"),
        ("go1.22.3", "1.22.3"),
        ("1.21rc1", "go1.21rc1"),
    ],
)
def test_version_equal(a: str, b: str) -> None:
    va, vb = GoVersion.parse(a), GoVersion.parse(b)
    assert va == vb
    assert not va < vb and not vb < va
    assert hash(va) == hash(vb)


def test_language_version_is_not_release() -> None:
    assert GoVersion.parse("1.21") != GoVersion.parse("1.21.0")
    assert GoVersion.parse("1.21") != "1.21"
    assert len({GoVersion.parse("1.21"), GoVersion.parse("1.21.0"), GoVersion.parse("1.21")}) == 2


@pytest.mark.parametrize(
    ("text", "fields", "string"),
    [
        ("1.21", (1, 21, 0, "", False), "1.21"),
        ("1.21.0", (1, 21, 0, "", True), "1.21.0"),
        ("1.21.3", (1, 21, 3, "", True), "1.21.3"),
        ("1.21rc1", (1, 21, 0, "rc1", False), "1.21rc1"),
        ("1.23beta1", (1, 23, 0, "beta1", False), "1.23beta1"),
        ("go1.22.3", (1, 22, 3, "", True), "1.22.3"),
        ("1.20", (1, 20, 0, "", True), "1.20"),
        ("1.21rc", (1, 21, 0, "rc", False), "1.21rc"),
    ],
)
def test_version_parse(text: str, fields: tuple[int, int, int, str, bool], string: str) -> None:
    v = GoVersion.parse(text)
    assert (v.major, v.minor, v.patch, v.pre, v.has_patch) == fields
    assert str(v) == string


def test_version_constructed_directly() -> None:
    assert GoVersion(1, 21, 3) == GoVersion.parse("1.21.3")
    assert str(GoVersion(1, 21, 3)) == "1.21.3"
    assert GoVersion(1, 21, 0, "rc1") == GoVersion.parse("1.21rc1")
    assert str(GoVersion(1, 21, 0, "rc1")) == "1.21rc1"
    assert GoVersion(1, 21, has_patch=False) == GoVersion.parse("1.21")
    assert str(GoVersion(1, 22, has_patch=False)) == "1.22"
    assert GoVersion.parse("1.21.3").lang == "1.21"
    assert GoVersion.parse("1.22rc1").lang == "1.22"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "go",
        "1.x",
        "1.21.x",
        "v1.21",
        "1.021",
        "01.21",
        "1.21.01",
        "1.21.0rc1",
        "1.21-rc1",
        "1.21.",
        "1..2",
        " 1.21",
        "1.21\n",
        "1.21RC1",
        "1.21rc01",
        "go 1.21",
        "latest",
    ],
)
def test_version_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid Go version"):
        GoVersion.parse(text)


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("go1.22.3", "1.22.3"),
        ("go1.21", "1.21"),
        ("go1.21rc2", "1.21rc2"),
        ("go1.22.3+auto", "1.22.3"),
        ("go1.22.3+path", "1.22.3"),
        ("go1.22.3-bigcorp", "1.22.3"),
        ("go1.22.3 extra", "1.22.3"),
        ("default", None),
        ("local", None),
        ("local+auto", None),
        ("path", None),
        ("auto", None),
        ("1.22.3", None),
        ("go1.x", None),
        ("go", None),
        ("go1.22/../x", None),
    ],
)
def test_toolchain_version(name: str, version: str | None) -> None:
    result = toolchain_version(name)
    if version is None:
        assert result is None
    else:
        assert result is not None
        assert str(result) == version
        assert result == GoVersion.parse(version)


# --------------------------------------------------------------------------------------------
# go.work


def test_gowork(tmp_path: Path) -> None:
    text = """\
go 1.22.0

toolchain go1.23.1

godebug asynctimerchan=1

use (
\t.
\t./tools // the tools module
\t"./with space"
)

use ../other

replace example.com/a v1.0.0 => ./a
replace example.com/b => example.com/c v1.2.0
"""
    work = parse_gowork(write(tmp_path, text, "go.work"))
    assert work.file == tmp_path / "go.work"
    assert (work.go, work.go_line) == ("1.22.0", 1)
    assert (work.toolchain, work.toolchain_line) == ("go1.23.1", 3)
    assert work.godebug == (("asynctimerchan", "1"),)
    assert work.uses == (
        Use(".", 8),
        Use("./tools", 9),
        Use("./with space", 10),
        Use("../other", 13),
    )
    assert work.replaces == (
        Replace("example.com/a", "v1.0.0", "./a", None, 15),
        Replace("example.com/b", None, "example.com/c", "v1.2.0", 16),
    )


def test_gowork_minimal(tmp_path: Path) -> None:
    work = parse_gowork_text("", tmp_path / "go.work")
    assert (work.go, work.toolchain, work.uses, work.replaces) == (None, None, (), ())


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("go 1.22\nmodule x\n", 2, "unknown directive: module"),
        ("go 1.22\nrequire a.com/b v1.0.0\n", 2, "unknown directive: require"),
        ("require (\n)\n", 1, "unknown block type: require"),
        ("go 1.22\nuse\n", 2, "usage: use local/dir"),
        ("use (\n\t./a ./b\n)\n", 2, "usage: use local/dir"),
        ("go 1.22.x\n", 1, "invalid go version '1.22.x'"),
        ("go 1.22\ngo 1.23\n", 2, "repeated go statement"),
        ("toolchain 1.22\n", 1, "invalid toolchain version '1.22'"),
        ("replace a.com/b => c.com/d\n", 1, "replacement module without version"),
        ('use "./a\n', 1, "unterminated quoted string"),
        ("use `./a`\n", 1, "unquoted string cannot contain quote"),
    ],
)
def test_gowork_errors(tmp_path: Path, text: str, line: int, message: str) -> None:
    err = parse_error(tmp_path, text, "go.work")
    assert err.line == line
    assert message in err.message
    assert err.hint


# --------------------------------------------------------------------------------------------
# vendor/modules.txt

MODULES_TXT = """\
# example.com/dep v1.0.0 => ./dep
## explicit; go 1.21
example.com/dep
example.com/dep/sub
# example.com/other v0.0.0-00010101000000-000000000000 => ./other
## explicit
example.com/other
# golang.org/x/text v0.14.0
## go 1.18
golang.org/x/text/unicode/norm
# example.com/moved v1.2.0 => example.com/fork v1.2.1
## explicit; go 1.22.1
example.com/moved
# example.com/other => ./other
# example.com/unused => ./unused
"""


def test_modules_txt(tmp_path: Path) -> None:
    mods = parse_modules_txt(write(tmp_path, MODULES_TXT, "modules.txt"))
    assert mods == (
        VendoredModule(
            "example.com/dep",
            "v1.0.0",
            True,
            "1.21",
            "./dep",
            ("example.com/dep", "example.com/dep/sub"),
        ),
        VendoredModule(
            "example.com/other",
            "v0.0.0-00010101000000-000000000000",
            True,
            None,
            "./other",
            ("example.com/other",),
        ),
        VendoredModule(
            "golang.org/x/text", "v0.14.0", False, "1.18", None, ("golang.org/x/text/unicode/norm",)
        ),
        VendoredModule(
            "example.com/moved",
            "v1.2.0",
            True,
            "1.22.1",
            "example.com/fork",
            ("example.com/moved",),
            replacement_version="v1.2.1",
        ),
        VendoredModule("example.com/other", "", False, None, "./other", ()),
        VendoredModule("example.com/unused", "", False, None, "./unused", ()),
    )


def test_modules_txt_workspace_and_future_annotations(tmp_path: Path) -> None:
    text = (
        "## workspace\n# a.com/b v1.0.0\n## explicit; future stuff; go 1.22\n"
        "## more\na.com/b\n\n# c.com/d v0.1.0\r\nc.com/d\r\n"
    )
    mods = parse_modules_txt_text(text, tmp_path / "modules.txt")
    assert mods == (
        VendoredModule("a.com/b", "v1.0.0", True, "1.22", None, ("a.com/b",)),
        VendoredModule("c.com/d", "v0.1.0", False, None, None, ("c.com/d",)),
    )


def test_modules_txt_empty(tmp_path: Path) -> None:
    assert parse_modules_txt_text("", tmp_path / "modules.txt") == ()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a.com/b\n", 1, "before any '# module version' line"),
        ("# a.com/b v1.0.0\na.com/b\n# a.com/c\n", 3, "malformed module line"),
        ("# a.com/b master\n", 1, "'master' is not a version"),
        ("# a.com/b v1.0.0 ./b\n", 1, "want '=> new/path [version]'"),
        ("# a.com/b v1.0.0 =>\n", 1, "want '=> new/path [version]'"),
        ("# a.com/b v1.0.0 => c.com/d latest\n", 1, "'latest' is not a version"),
        ("# a.com/b v1.0.0 => c d e\n", 1, "want '=> new/path [version]'"),
        ("# a.com/b v1.0.0\na.com/b extra\n", 2, "want one package path"),
        ("# a.com/b v1.0.0\n#a.com/c v1.0.0\n", 2, "want one package path"),
        ("# a.com/b v1.0.0\n## go 1.x\n", 2, "invalid go version '1.x' for a.com/b"),
    ],
)
def test_modules_txt_errors(tmp_path: Path, text: str, line: int, message: str) -> None:
    err = parse_error(tmp_path, text, "modules.txt")
    assert err.line == line
    assert message in err.message
    assert "go mod vendor" in (err.hint or "")


def test_modules_txt_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "modules.txt"
    path.write_bytes(b"# a.com/b v1.0.0\na.com/\xff\n")
    with pytest.raises(ProjectFileError) as info:
        parse_modules_txt(path)
    assert info.value.line == 2


# --------------------------------------------------------------------------------------------
# Differential tests against the go command


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOFLAGS="", GOWORK="off", GOPROXY="off", GO111MODULE="on")
    return env


def run_go(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert GO is not None
    return subprocess.run(
        [GO, *args], cwd=cwd, env=go_env(), capture_output=True, text=True, timeout=60, check=False
    )


def go_mod_edit_json(path: Path) -> dict[str, Any]:
    proc = run_go(["mod", "edit", "-json", path.name], path.parent)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _version_json(path: str, version: str | None) -> dict[str, str]:
    return {"Path": path, "Version": version} if version else {"Path": path}


def as_go_json(mod: GoMod) -> dict[str, Any]:
    """Our parse in the shape of `go mod edit -json` (same omitempty rules)."""
    out: dict[str, Any] = {"Module": {"Path": mod.module}}
    if mod.module_deprecated:
        out["Module"]["Deprecated"] = mod.module_deprecated
    if mod.go:
        out["Go"] = mod.go
    if mod.toolchain:
        out["Toolchain"] = mod.toolchain
    if mod.godebug:
        out["GoDebug"] = [{"Key": k, "Value": v} for k, v in mod.godebug]
    out["Require"] = [
        {"Path": r.path, "Version": r.version, **({"Indirect": True} if r.indirect else {})}
        for r in mod.requires
    ] or None
    out["Exclude"] = [{"Path": e.path, "Version": e.version} for e in mod.excludes] or None
    out["Replace"] = [
        {
            "Old": _version_json(r.old_path, r.old_version),
            "New": _version_json(r.new_path, r.new_version),
        }
        for r in mod.replaces
    ] or None
    out["Retract"] = [
        {"Low": r.low, "High": r.high, **({"Rationale": r.rationale} if r.rationale else {})}
        for r in mod.retracts
    ] or None
    out["Tool"] = [{"Path": t} for t in mod.tools] or None
    out["Ignore"] = [{"Path": i} for i in mod.ignores] or None
    return out


DIFFERENTIAL_GOMODS = [
    "module example.com/a\n",
    "module example.com/a\n\ngo 1.21\n\ntoolchain go1.22.3\n",
    # require: single lines, blocks, indirect variants, comments, non-canonical versions
    """\
module example.com/b

go 1.22

require (
\tgithub.com/x/y v1.2.3
\tgolang.org/x/sys v0.0.0-20230101000000-abcdefabcdef // indirect
\t// a comment line
\texample.com/c v1.2 //indirect
\texample.com/d v1.0.0+build.1 // indirect; kept for foo
\texample.com/e v2.0.0+incompatible // indirect;
\texample.com/f/v3 v3.1.0-rc.1 // a note
)

require example.com/g v1 // indirect
""",
    # quoting and escapes
    'module "example.com/\\x71uoted"\n\nrequire "example.com/s p" "v1.0.0"\n'
    'require "example.com/\\u00e9" v1.0.0\ntool "example.com/t\\x6fol"\n',
    # replace variants
    """\
module example.com/r

replace (
\texample.com/a => ../a
\texample.com/b v1.0.0 => ./b
\texample.com/c v1.1 => example.com/c2 v1.2
\texample.com/d => example.com/d2 v0.1.0
\t"example.com/e" => "/abs/e dir"
\texample.com/f/v2 v2.0.0 => .
)
replace example.com/g => ..
""",
    # exclude
    "module example.com/x\n\nexclude (\n\texample.com/a v1.0.0\n\texample.com/a v1.1\n)\n"
    "exclude example.com/b v0.1.0-pre\n",
    # retract with rationales in all the places modfile looks
    """\
module example.com/ret

// Deprecated: use example.com/ret2.
// More text.

// Block rationale
retract (
\tv1.0.0
\t[v1.1.0, v1.2.0] // own rationale
\t// before a line
\tv1.3.0

\tv1.4.0
)

// Single rationale
retract v0.9.0 // and a suffix
retract [ v0.1.0 , v0.2.0 ]
""",
    # deprecation paragraphs
    "// Deprecated: first paragraph\n// continues\n//\n// Other paragraph.\nmodule example.com/d\n",
    "// Intro.\n//\n// Deprecated: second\nmodule example.com/dep // with suffix\n",
    "module (\n\t// Deprecated: in block\n\texample.com/blk\n)\n",
    # godebug, tool, ignore
    """\
module example.com/t

go 1.24

godebug default=go1.21
godebug (
\tpanicnil=1
\thttp2client=0 // comment
)

tool (
\tgolang.org/x/tools/cmd/stringer
\texample.com/t/cmd/gen
)

ignore (
\t./node_modules
\tstatic/assets
)
""",
    # CRLF, odd whitespace, comments glued to tokens, empty blocks, directives out of order
    "require example.com/a v1.0.0//indirect\r\n\r\nrequire (\r\n)\r\nrequire ()\r\n"
    "  \tgo   1.23rc1   \r\nmodule example.com/crlf // c\r\n",
    # many requires, mixed forms
    "module m\n"
    + "".join(f"require example.com/m{i} v1.{i}.0\n" for i in range(20))
    + "require (\n"
    + "".join(f"\texample.com/n{i} v0.{i}.1 // indirect\n" for i in range(20))
    + ")\n",
]


@needs_go
@pytest.mark.parametrize("text", DIFFERENTIAL_GOMODS)
def test_gomod_matches_go_mod_edit(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    assert as_go_json(parse_gomod(path)) == go_mod_edit_json(path)


# Files the go command rejects: our first error must be on the line of Go's first error.
GO_REJECTED = [
    text
    for text, line, message, _ in ERROR_CASES
    if line is not None
    and "unterminated block" not in message  # Go reports the end of the file instead
    and not any(s in text for s in ("1.21.0rc1", "go1.x", "\tfoo\n", "a\\xff", 'module ""'))
]


@needs_go
@pytest.mark.parametrize("text", GO_REJECTED)
def test_gomod_errors_match_go(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    proc = run_go(["mod", "edit", "-json", path.name], tmp_path)
    assert proc.returncode != 0, proc.stdout
    first = re.search(r"go\.mod:(\d+)(?::\d+)?: (.*)", proc.stderr)
    assert first is not None, proc.stderr
    err = parse_error(tmp_path, text)
    assert err.line == int(first[1]), (err.message, first[0])


@needs_go
@pytest.mark.parametrize(
    "text",
    [
        "module x\ngo 1.21.0rc1\n",  # matches modfile's regexp, but is no Go version
        "module x\ntoolchain go1.x\n",  # `go build` says: invalid toolchain "go1.x" in go.mod
        "module x\nretract foo\n",  # `go build` would try to resolve "foo" as a version
        'module x\nrequire "a.com/\\xff" v1.0.0\n',  # not UTF-8 once unquoted
        'module ""\n',
        "go 1.21\n",  # `go build`: missing module declaration
    ],
)
def test_stricter_than_go_mod_edit(tmp_path: Path, text: str) -> None:
    """Deliberate differences: go mod edit accepts these, later steps of the go command do not."""
    path = write(tmp_path, text)
    assert run_go(["mod", "edit", "-json", path.name], tmp_path).returncode == 0
    parse_error(tmp_path, text)


@needs_go
@pytest.mark.parametrize(
    "text",
    [
        'go 1.22\n\nuse (\n\t.\n\t./a // comment\n\t"./b c"\n)\n\nuse ../d\n',
        "go 1.23.1\ntoolchain go1.23.2\nuse ./x\nreplace example.com/a v1.0.0 => ./a\n"
        "replace (\n\texample.com/b => example.com/c v1.2\n)\n",
        "use ./only\n",
    ],
)
def test_gowork_matches_go_work_edit(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text, "go.work")
    proc = run_go(["work", "edit", "-json", path.name], tmp_path)
    assert proc.returncode == 0, proc.stderr
    expected = json.loads(proc.stdout)
    work = parse_gowork(path)
    ours: dict[str, Any] = {"Go": work.go} if work.go else {}
    ours["Use"] = [{"DiskPath": u.path} for u in work.uses] or None
    ours["Replace"] = [
        {
            "Old": _version_json(r.old_path, r.old_version),
            "New": _version_json(r.new_path, r.new_version),
        }
        for r in work.replaces
    ] or None
    assert ours == expected


@needs_go
def test_modules_txt_written_by_go_mod_vendor(tmp_path: Path) -> None:
    app = tmp_path / "app"
    for d in ("dep/sub", "other", "fork"):
        (app / d).mkdir(parents=True)
    (app / "go.mod").write_text(
        "module example.com/app\n\ngo 1.22\n\nrequire (\n\texample.com/dep v1.0.0\n"
        "\texample.com/other v0.0.0-00010101000000-000000000000\n)\n\n"
        "require example.com/indirect v1.5.0 // indirect\n\n"
        "replace example.com/dep v1.0.0 => ./dep\n\nreplace example.com/other => ./other\n\n"
        "replace example.com/indirect => ./fork\n\nreplace example.com/unused => ./unused\n"
    )
    (app / "main.go").write_text(
        'package main\n\nimport (\n\t_ "example.com/dep"\n\t_ "example.com/dep/sub"\n'
        '\t_ "example.com/other"\n)\n\nfunc main() {}\n'
    )
    (app / "dep/go.mod").write_text(
        "module example.com/dep\n\ngo 1.21\n\nrequire example.com/indirect v1.5.0\n"
    )
    (app / "dep/dep.go").write_text('package dep\n\nimport _ "example.com/indirect"\n')
    (app / "dep/sub/sub.go").write_text("package sub\n")
    (app / "other/go.mod").write_text("module example.com/other\n")
    (app / "other/o.go").write_text("package other\n")
    (app / "fork/go.mod").write_text("module example.com/indirect\n\ngo 1.20\n")
    (app / "fork/f.go").write_text("package indirect\n")
    proc = run_go(["mod", "vendor"], app)
    assert proc.returncode == 0, proc.stderr

    mods = parse_modules_txt(app / "vendor" / "modules.txt")
    by_key = {(m.path, m.version): m for m in mods}
    assert by_key[("example.com/dep", "v1.0.0")] == VendoredModule(
        "example.com/dep",
        "v1.0.0",
        True,
        "1.21",
        "./dep",
        ("example.com/dep", "example.com/dep/sub"),
    )
    other = by_key[("example.com/other", "v0.0.0-00010101000000-000000000000")]
    assert (other.explicit, other.go, other.replacement, other.packages) == (
        True,
        None,
        "./other",
        ("example.com/other",),
    )
    indirect = by_key[("example.com/indirect", "v1.5.0")]
    assert indirect.explicit  # it is listed in go.mod
    assert (indirect.go, indirect.replacement, indirect.packages) == (
        "1.20",
        "./fork",
        ("example.com/indirect",),
    )
    assert by_key[("example.com/unused", "")].replacement == "./unused"
    assert by_key[("example.com/unused", "")].packages == ()
    # Every module go.mod requires is vendored and marked explicit.
    gomod = parse_gomod(app / "go.mod")
    for req in gomod.requires:
        assert by_key[(req.path, req.version)].explicit


# --------------------------------------------------------------------------------------------
# Property test: random valid go.mod files parse like `go mod edit -json` parses them


@needs_go
def test_random_gomods_match_go(tmp_path: Path) -> None:
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.configuration import set_hypothesis_home_dir

    module_paths = ["example.com/app", "github.com/org/repo", "example.com/m/v2", "m"]
    plain_paths = ["example.com/a", "github.com/b/c", "golang.org/x/text", "example.com/s p"]
    v2_paths = ["example.com/q/v2", "gopkg.in/yaml.v3"]
    plain_versions = [
        "v0.1.0",
        "v1.0.0",
        "v1.2",
        "v1",
        "v1.2.3-pre.1",
        "v1.0.0+build.5",
        "v3.0.0+incompatible",
        "v0.0.0-20230101000000-0123456789ab",
    ]
    comments = ["// a comment", "//", "// Deprecated: gone", "// indirect"]

    def quote(draw: Any, s: str) -> str:
        if " " in s:
            return '"' + s + '"'
        style = draw(st.sampled_from(["plain", "plain", "quoted", "escaped"]))
        if style == "quoted":
            return f'"{s}"'
        if style == "escaped":
            return '"\\x' + f"{ord(s[0]):02x}" + s[1:] + '"'
        return s

    def module_version(draw: Any) -> tuple[str, str]:
        if draw(st.booleans()):
            return draw(st.sampled_from(plain_paths)), draw(st.sampled_from(plain_versions))
        path = draw(st.sampled_from(v2_paths))
        return path, "v2.1.0-rc.1" if path.endswith("/v2") else "v3.0.1"

    def section(draw: Any, verb: str, items: list[str]) -> list[str]:
        sep = draw(st.sampled_from([" ", "\t", "  "]))
        if not items or draw(st.booleans()):
            if not items:
                return [f"{verb} (", ")"] if draw(st.booleans()) else []
            return [f"{verb}{sep}{item}" for item in items]
        lines = [f"{verb} (" + draw(st.sampled_from(["", " // after paren"]))]
        for item in items:
            extra = draw(st.sampled_from(["", "", "blank", "comment"]))
            if extra == "blank":
                lines.append("")
            elif extra == "comment":
                lines.append("\t" + draw(st.sampled_from(comments)))
            lines.append("\t" + item)
        lines.append(")")
        return lines

    @st.composite
    def gomod_text(draw: Any) -> str:
        sections: list[list[str]] = []
        mod = [f"module {quote(draw, draw(st.sampled_from(module_paths)))}"]
        if draw(st.booleans()):
            mod[0] += " " + draw(st.sampled_from(comments))
        mod = draw(st.lists(st.sampled_from(comments), max_size=2)) + mod
        sections.append(mod)
        if draw(st.booleans()):
            go = draw(st.sampled_from(["1.21", "1.21.0", "1.22.3", "1.20", "1.21rc1", "1.23"]))
            sections.append([f"go {go}"])
        if draw(st.booleans()):
            name = draw(st.sampled_from(["go1.22.3", "default", "go1.21rc2", "go1.23.0-x"]))
            sections.append([f"toolchain {name}"])
        reqs = []
        for _ in range(draw(st.integers(0, 5))):
            path, version = module_version(draw)
            suffix = draw(st.sampled_from(["", " // indirect", " //indirect", " // other"]))
            reqs.append(f"{quote(draw, path)} {version}{suffix}")
        sections.append(section(draw, "require", reqs))
        excl_paths = draw(st.lists(st.sampled_from(plain_paths), unique=True, max_size=3))
        excl = [f"{quote(draw, p)} {draw(st.sampled_from(plain_versions))}" for p in excl_paths]
        sections.append(section(draw, "exclude", excl))
        repl = []
        for old in draw(st.lists(st.sampled_from(plain_paths), unique=True, max_size=3)):
            old_v = draw(st.sampled_from(["", " v1.0.0", " v1.2"]))
            if draw(st.booleans()):
                new = quote(draw, draw(st.sampled_from(["./local", "../sib", "/abs/dir", "."])))
            else:
                new_path, new_v = module_version(draw)
                new = f"{quote(draw, new_path)} {new_v}"
            repl.append(f"{quote(draw, old)}{old_v} => {new}")
        sections.append(section(draw, "replace", repl))
        retr = []
        for _ in range(draw(st.integers(0, 3))):
            if draw(st.booleans()):
                item = draw(st.sampled_from(["v1.0.0", "v0.9.0-rc.1", "v1.1.0"]))
            else:
                item = draw(st.sampled_from(["[v1.0.0, v1.1.0]", "[ v0.1.0 , v0.2.0 ]"]))
            retr.append(item + draw(st.sampled_from(["", " // why", " //"])))
        retract_lines = section(draw, "retract", retr)
        if retract_lines and draw(st.booleans()):
            retract_lines.insert(0, "// retract rationale")
        sections.append(retract_lines)
        debug = [
            f"{k}={v}"
            for k, v in draw(
                st.lists(
                    st.tuples(st.sampled_from(["panicnil", "x509sha1"]), st.sampled_from("01"))
                )
            )
        ]
        sections.append(section(draw, "godebug", debug))
        tools = draw(
            st.lists(
                st.sampled_from(["example.com/t/cmd/a", "golang.org/x/tools/cmd/x"]), unique=True
            )
        )
        sections.append(section(draw, "tool", [quote(draw, t) for t in tools]))
        ignores = draw(st.lists(st.sampled_from(["./node_modules", "static"]), unique=True))
        sections.append(section(draw, "ignore", [quote(draw, i) for i in ignores]))
        ordered = draw(st.permutations(sections))
        lines: list[str] = []
        for sec in ordered:
            lines.extend(sec)
            lines.extend(draw(st.sampled_from([[""], [], ["", "// between"], ["// glued"]])))
        newline: str = draw(st.sampled_from(["\n", "\r\n"]))
        return newline.join(lines) + newline

    path = tmp_path / "go.mod"

    @settings(deadline=None, max_examples=50, database=None)
    @given(gomod_text())
    def check(text: str) -> None:
        path.write_text(text, encoding="utf-8", newline="")
        assert as_go_json(parse_gomod(path)) == go_mod_edit_json(path), text

    # Keep Hypothesis's caches out of the source tree.
    set_hypothesis_home_dir(tmp_path / ".hypothesis")
    try:
        check()
    finally:
        set_hypothesis_home_dir(None)
