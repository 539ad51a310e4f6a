"""Layer environment: CNB's ``env/``, ``env.build/`` and ``env.launch/`` files and their rules.

A layer changes an environment in two ways (Buildpack API 0.10-0.12, "Environment"):

* **root directories**: ``bin/`` is prepended to ``PATH``; ``lib/`` to ``LD_LIBRARY_PATH`` (and,
  for build, ``LIBRARY_PATH``); for build only, ``include/`` to ``CPATH`` and ``pkgconfig/`` to
  ``PKG_CONFIG_PATH``. Paths are joined with ``:``; a later buildpack's paths come first, and one
  buildpack's layers are in ascending name order.
* **environment files**: a file ``<NAME>.<action>`` whose contents (verbatim: not stripped, not
  evaluated) modify the variable ``NAME``:

  ========== =============================================================================
  action     effect
  ========== =============================================================================
  (none)     override (the Buildpack API 0.5+ meaning of a bare name)
  override   ``NAME`` becomes the contents
  default    ``NAME`` becomes the contents only if it is unset or empty
  prepend    contents, then the ``NAME.delim`` delimiter, then the old value
  append     the old value, then the delimiter, then the contents
  delim      the delimiter for prepend/append of ``NAME`` in the same layer (none: no delimiter)
  ========== =============================================================================

  ``env/`` applies to both build and launch, ``env.build/`` to later buildpacks' builds only,
  ``env.launch/`` to the image only; within a layer ``env/`` is applied first. Files are applied
  in name order, layers in ascending name order, buildpacks in group order, one after another:
  so a later override wins, an earlier default wins, and a later prepend comes first, as the
  spec's ordering rules require.

Process-specific launch files (``env.launch/<process>/``) need a launcher in the image, which
gobuildpack does not add; they are reported and ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Scope = Literal["build", "launch"]
Where = Literal["common", "build", "launch"]

ENV_DIRS: dict[Where, str] = {"common": "env", "build": "env.build", "launch": "env.launch"}
ACTIONS = ("override", "default", "prepend", "append", "delim")

# Root directories of a layer and the path variables they are prepended to.
ROOT_DIRS: dict[Scope, dict[str, tuple[str, ...]]] = {
    "build": {
        "bin": ("PATH",),
        "lib": ("LD_LIBRARY_PATH", "LIBRARY_PATH"),
        "include": ("CPATH",),
        "pkgconfig": ("PKG_CONFIG_PATH",),
    },
    "launch": {"bin": ("PATH",), "lib": ("LD_LIBRARY_PATH",)},
}
PATH_SEPARATOR = ":"


@dataclass
class LayerEnv:
    """A layer's environment files, by directory: file name (``NAME.action``) to contents.

    ``common`` is ``env/`` (build and launch), ``build`` is ``env.build/``, ``launch`` is
    ``env.launch/``. Python buildpacks fill it with the helper methods; for exec buildpacks it is
    read from the layer directory with :meth:`read`.
    """

    common: dict[str, str] = field(default_factory=dict)
    build: dict[str, str] = field(default_factory=dict)
    launch: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # subdirectories we cannot honour

    def _files(self, where: Where) -> dict[str, str]:
        return {"common": self.common, "build": self.build, "launch": self.launch}[where]

    def override(self, name: str, value: str, *, where: Where = "common") -> None:
        """Set ``name`` to ``value``."""
        self._files(where)[f"{name}.override"] = value

    def default(self, name: str, value: str, *, where: Where = "common") -> None:
        """Set ``name`` to ``value`` unless it already has a non-empty value."""
        self._files(where)[f"{name}.default"] = value

    def prepend(
        self, name: str, value: str, *, delim: str = PATH_SEPARATOR, where: Where = "common"
    ) -> None:
        """Put ``value`` before the current value of ``name``, separated by ``delim``."""
        files = self._files(where)
        files[f"{name}.prepend"] = value
        files[f"{name}.delim"] = delim

    def append(
        self, name: str, value: str, *, delim: str = PATH_SEPARATOR, where: Where = "common"
    ) -> None:
        """Put ``value`` after the current value of ``name``, separated by ``delim``."""
        files = self._files(where)
        files[f"{name}.append"] = value
        files[f"{name}.delim"] = delim

    def for_scope(self, scope: Scope) -> list[dict[str, str]]:
        """The file sets that apply to ``scope``, in the order they are applied."""
        return [self.common, self.build if scope == "build" else self.launch]

    @classmethod
    def read(cls, layer_dir: Path) -> LayerEnv:
        """Read ``env/``, ``env.build/`` and ``env.launch/`` of a layer directory."""
        env = cls()
        for where, dirname in ENV_DIRS.items():
            directory = layer_dir / dirname
            if not directory.is_dir():
                continue
            files = env._files(where)
            for entry in sorted(directory.iterdir()):
                if entry.is_dir():
                    env.ignored.append(f"{dirname}/{entry.name}/")
                elif entry.is_file():
                    files[entry.name] = entry.read_text(encoding="utf-8", errors="surrogateescape")
        return env


def split_name(file_name: str) -> tuple[str, str]:
    """``PATH.prepend`` -> (``PATH``, ``prepend``): the name ends at the first period."""
    name, _, action = file_name.partition(".")
    return name, action


def apply_files(
    env: dict[str, str],
    files: Mapping[str, str],
    *,
    delims: Mapping[str, str] | None = None,
    translate: Callable[[str], str] | None = None,
) -> list[str]:
    """Apply one directory's environment files to ``env`` in place.

    :param delims: delimiters (``NAME.delim`` files) of the same layer to fall back on when this
        directory has none for a variable.
    :param translate: applied to every value first (e.g. to turn build paths into image paths).
    :return: the file names whose action is unknown (they change nothing).
    """
    unknown: list[str] = []
    for file_name in sorted(files):
        name, action = split_name(file_name)
        if not name:
            unknown.append(file_name)
            continue
        value = files[file_name]
        if translate is not None:
            value = translate(value)
        delim = files.get(f"{name}.delim")
        if delim is None and delims is not None:
            delim = delims.get(f"{name}.delim")
        delim = delim or ""
        current = env.get(name, "")
        if action in ("", "override"):
            env[name] = value
        elif action == "default":
            if not current:
                env[name] = value
        elif action == "prepend":
            env[name] = value + delim + current if current else value
        elif action == "append":
            env[name] = current + delim + value if current else value
        elif action != "delim":
            unknown.append(file_name)
    return unknown


def prepend_path(env: dict[str, str], name: str, paths: Iterable[str]) -> None:
    """Put ``paths`` (in their order) before the current value of ``name``, ``:``-separated."""
    items = list(dict.fromkeys(p for p in paths if p))  # once each: layers may share a dir
    if not items:
        return
    current = env.get(name, "")
    env[name] = PATH_SEPARATOR.join([*items, current] if current else items)


@dataclass(frozen=True)
class EnvSource:
    """One layer as seen by :func:`apply_buildpack`: its name, directories and env files."""

    name: str
    host_dir: Path  # where its root directories are looked for
    env_dir: str  # how its root directories are written into the environment
    env: LayerEnv


def apply_buildpack(
    env: dict[str, str],
    layers: Iterable[EnvSource],
    scope: Scope,
    *,
    translate: Callable[[str], str] | None = None,
) -> list[str]:
    """Apply one buildpack's layers (all of ``scope``'s kind) to ``env`` in place.

    Root directories first, as one block per variable in ascending layer-name order, then each
    layer's ``env/`` and ``env.<scope>/`` files. Returns the unknown file names, as
    ``<layer>/<dir>/<file>``.
    """
    ordered = sorted(layers, key=lambda s: s.name)
    for sub, names in ROOT_DIRS[scope].items():
        found = [f"{s.env_dir}/{sub}" for s in ordered if (s.host_dir / sub).is_dir()]
        for name in names:
            prepend_path(env, name, found)
    unknown: list[str] = []
    for source in ordered:
        common, scoped = source.env.for_scope(scope)
        for dirname, files in ((ENV_DIRS["common"], common), (ENV_DIRS[scope], scoped)):
            bad = apply_files(env, files, delims=common, translate=translate)
            unknown += [f"{source.name}/{dirname}/{f}" for f in bad]
    return unknown


def rewrite_env_files(layer_dir: Path, translate: Callable[[str], str]) -> None:
    """Rewrite, in place, the contents of a layer directory's env files with ``translate``.

    Used to store layers as they would be under ``/layers`` (in the image and in the cache)
    and to map restored ones back to where this build keeps its layers.
    """
    for dirname in ENV_DIRS.values():
        directory = layer_dir / dirname
        if not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            text = path.read_text(encoding="utf-8", errors="surrogateescape")
            new = translate(text)
            if new != text:
                path.write_text(new, encoding="utf-8", errors="surrogateescape")


def path_translator(mapping: Iterable[tuple[Path, str]]) -> Callable[[str], str]:
    """A function that rewrites host paths to image paths, longest host path first."""
    pairs = sorted(((os.fspath(h), i) for h, i in mapping), key=lambda p: -len(p[0]))

    def translate(text: str) -> str:
        for host, image in pairs:
            if host in text:
                text = text.replace(host, image)
        return text

    return translate
