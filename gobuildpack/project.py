"""project.toml, the CNB project descriptor: the app's buildpack group and build environment.

Read from the app directory (schema 0.2, as ``pack`` writes it):

* ``[[io.buildpacks.group]]``: buildpacks for this app. ``uri`` is the path of a buildpack
  directory, relative to the app (or a ``file://`` URI); ``id`` alone names a buildpack that is
  already loaded (a built-in such as ``gobuildpack/go-build``, or an installed plugin);
  ``version`` must match the buildpack's, and ``optional = true`` lets it drop out of the build
  when it does not pass detection.
* ``[[io.buildpacks.build.env]]``: ``name``/``value`` pairs that become build variables (they
  override the process environment; ``--env`` overrides them).

How the group is ordered is decided in :mod:`gobuildpack.plugins`. Other tables are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from gobuildpack._compat import tomllib
from gobuildpack.errors import ProjectFileError

FILE_NAME = "project.toml"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class GroupEntry:
    """One ``[[io.buildpacks.group]]`` entry."""

    position: int  # 1-based, for messages
    id: str | None = None
    version: str | None = None
    uri: str | None = None
    optional: bool = False

    def describe(self) -> str:
        return self.id or self.uri or f"entry {self.position}"


@dataclass
class Project:
    """What project.toml says; empty when the app has none."""

    path: Path | None = None
    group: list[GroupEntry] = field(default_factory=list)
    build_env: dict[str, str] = field(default_factory=dict)

    def buildpack_dir(self, entry: GroupEntry) -> Path:
        """The directory an entry's ``uri`` points at, relative to the project.toml."""
        assert entry.uri is not None and self.path is not None
        parsed = urlparse(entry.uri)
        if parsed.scheme == "file":
            return Path(unquote(parsed.path))
        if parsed.scheme and len(parsed.scheme) > 1:  # one letter: a Windows drive
            raise ProjectFileError(
                f"[[io.buildpacks.group]] entry {entry.position} has uri {entry.uri!r}: only "
                "local buildpack directories are supported",
                file=self.path,
                hint="give the path of the buildpack directory, relative to project.toml",
            )
        return (self.path.parent / entry.uri).resolve()


def _table(value: Any, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProjectFileError(f"{where} must be a table", file=path)
    return value


def _array_of_tables(parent: dict[str, Any], key: str, where: str, path: Path) -> list[Any]:
    value = parent.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ProjectFileError(
            f"{where} must be an array of tables", file=path, hint=f"write it as [[{where}]]"
        )
    return value


def _string(table: dict[str, Any], key: str, where: str, path: Path) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ProjectFileError(f"{where}: `{key}` must be a string", file=path)
    return value


def read_project(app_dir: Path) -> Project:
    """Read ``app_dir/project.toml``; an app without one gets an empty :class:`Project`."""
    path = app_dir / FILE_NAME
    if not path.is_file():
        return Project()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectFileError(f"cannot read {FILE_NAME}: {exc}", file=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProjectFileError(
            f"{FILE_NAME} is not valid TOML: {exc}",
            file=path,
            hint="fix the syntax (https://toml.io); e.g. strings need double quotes",
        ) from exc
    io = _table(data.get("io", {}), "[io]", path)
    buildpacks = _table(io.get("buildpacks", {}), "[io.buildpacks]", path)
    project = Project(path=path)

    for n, raw in enumerate(
        _array_of_tables(buildpacks, "group", "io.buildpacks.group", path), start=1
    ):
        where = f"[[io.buildpacks.group]] entry {n}"
        entry = GroupEntry(
            position=n,
            id=_string(raw, "id", where, path),
            version=_string(raw, "version", where, path),
            uri=_string(raw, "uri", where, path),
            optional=bool(raw.get("optional", False)),
        )
        if not isinstance(raw.get("optional", False), bool):
            raise ProjectFileError(f"{where}: `optional` must be true or false", file=path)
        if not entry.id and not entry.uri:
            raise ProjectFileError(
                f"{where} has neither `id` nor `uri`",
                file=path,
                hint="give `uri` (the buildpack's directory, relative to project.toml) or the "
                "`id` of a loaded buildpack",
            )
        project.group.append(entry)

    build = _table(buildpacks.get("build", {}), "[io.buildpacks.build]", path)
    for raw in _array_of_tables(build, "env", "io.buildpacks.build.env", path):
        name = _string(raw, "name", "[[io.buildpacks.build.env]]", path)
        value = _string(raw, "value", "[[io.buildpacks.build.env]]", path)
        if not name or not _ENV_NAME.match(name) or value is None:
            raise ProjectFileError(
                f"[[io.buildpacks.build.env]] entry {name or '(no name)'!r} needs a `name` that "
                "is a variable name and a string `value`",
                file=path,
                hint='write it as name = "BP_GO_TARGETS" and value = "./cmd/api"',
            )
        project.build_env[name] = value
    return project
