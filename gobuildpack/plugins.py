"""The plugin manager: loads plugins in a fixed order and calls their hooks, naming the guilty.

Load order (the order gathering hooks run in):

1. the built-in buildpacks and exporters, listed in :data:`BUILTIN_PLUGINS`;
2. installed packages that declare an entry point in the ``gobuildpack`` group
   (skipped when ``GOBUILDPACK_DISABLE_PLUGIN_AUTOLOAD`` is set);
3. the buildpacks project.toml's ``[[io.buildpacks.group]]`` gives by ``uri``, in file order;
4. plugins named on the command line with ``--buildpack PATH``.

A path (``--buildpack`` or a group ``uri``) is a Python plugin (a file, or a directory holding
``__init__.py`` or ``plugin.py``) or a CNB exec buildpack (a directory holding ``buildpack.toml``
and ``bin/detect``, ``bin/build``; see :mod:`gobuildpack.cnb`).

**Group order** (the order phase hooks run in) is the load order of the buildpacks, except that
the buildpacks project.toml's group names, by ``uri`` or by ``id`` alone, run together, in the
group's order, at the place the first of them takes in the load order; every other buildpack
keeps its place. So a group of only ``uri`` entries runs after the built-ins; a group such as
``[my/codegen (uri), gobuildpack/go-build]`` runs ``my/codegen`` then go-build, after run-base,
go-dist and go-mod and before app-files; and a group that names every built-in orders them all.
A buildpack the group does not name still runs (block one with ``GOBUILDPACK_BLOCK_PLUGINS``);
``optional = true`` on an entry lets that buildpack drop out when it does not pass detection.

``GOBUILDPACK_BLOCK_PLUGINS`` (comma-separated names) blocks plugins by name; ``GOBUILDPACK_DEBUG``
traces every hook call on stderr.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from gobuildpack import __version__, hookspecs
from gobuildpack._compat import tomllib
from gobuildpack.cnb import ExecBuildpack, check_api, is_exec_buildpack
from gobuildpack.errors import GobuildpackError, PluginError, PluginLoadError, ProjectFileError
from gobuildpack.model import BuildpackInfo
from gobuildpack.project import GroupEntry, Project

ENTRY_POINT_GROUP = "gobuildpack"
ENV_DISABLE_AUTOLOAD = "GOBUILDPACK_DISABLE_PLUGIN_AUTOLOAD"
ENV_BLOCK = "GOBUILDPACK_BLOCK_PLUGINS"
ENV_DEBUG = "GOBUILDPACK_DEBUG"

# The built-ins, in group order. Each is a module that uses only the public hooks.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "gobuildpack.builtin.run_base",
    "gobuildpack.builtin.go_dist",
    "gobuildpack.builtin.go_mod",
    "gobuildpack.builtin.go_build",
    "gobuildpack.builtin.app_files",
    "gobuildpack.builtin.image_labels",
    "gobuildpack.exporters",
)

PHASE_HOOKS = ("gobuildpack_detect", "gobuildpack_build")


@dataclass
class PluginInfo:
    """One loaded plugin: its name, where it came from, and (for buildpacks) its identity."""

    name: str
    source: str  # "builtin" | "entrypoint" | "project" | "cli"
    version: str
    location: str
    plugin: object
    buildpack: BuildpackInfo | None = None
    optional: bool = False
    hooks: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``exec`` for a CNB exec buildpack, ``python`` for everything else."""
        return "exec" if isinstance(self.plugin, ExecBuildpack) else "python"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "version": self.version,
            "location": self.location,
            "kind": self.kind,
            "buildpack": self.buildpack.id if self.buildpack else None,
            "optional": self.optional,
            "hooks": self.hooks,
        }


def _read_buildpack_toml(module: ModuleType) -> BuildpackInfo | None:
    """Identity from a ``buildpack.toml`` next to the plugin module, CNB style."""
    module_file = getattr(module, "__file__", None)
    if not module_file:
        return None
    path = Path(module_file).with_name("buildpack.toml")
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        table = data["buildpack"]
        info = BuildpackInfo(
            id=str(table["id"]),
            version=str(table.get("version", "0.0.0")),
            name=str(table.get("name", "")),
            homepage=str(table.get("homepage", "")),
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise PluginLoadError(
            f"cannot read the buildpack descriptor: {exc}",
            file=path,
            hint="buildpack.toml needs a [buildpack] table with at least `id` and `version`",
        ) from exc
    if "api" in data:
        check_api(data["api"], buildpack=info.id, file=path)
    return info


class Plugins:
    """A pluggy PluginManager plus what we know about each plugin, in load order."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.infos: list[PluginInfo] = []
        # The buildpacks project.toml's group names, in its order (see the module docstring).
        self.named: list[PluginInfo] = []
        if os.environ.get(ENV_DEBUG):
            self.pm.trace.root.setwriter(lambda text: sys.stderr.write(text))
            self.pm.enable_tracing()

    # -- loading -------------------------------------------------------------------------------

    def block(self, names: Iterable[str]) -> None:
        for name in names:
            if name:
                self.pm.set_blocked(name)

    def register(
        self,
        plugin: object,
        *,
        source: str,
        name: str | None = None,
        version: str | None = None,
        optional: bool = False,
        buildpack: BuildpackInfo | None = None,
        location: str | None = None,
    ) -> PluginInfo | None:
        """Register one plugin (a module, or an object such as an ExecBuildpack).

        A module's buildpack identity comes from the ``buildpack.toml`` beside it unless
        ``buildpack`` is given. Returns None when the plugin is blocked.
        """
        if buildpack is None and isinstance(plugin, ModuleType):
            buildpack = _read_buildpack_toml(plugin)
        default_name = getattr(plugin, "__name__", None) or type(plugin).__name__
        plugin_name = name or (buildpack.id if buildpack else default_name)
        if self.pm.is_blocked(plugin_name):
            return None
        if self.pm.has_plugin(plugin_name) or self.pm.is_registered(plugin):
            raise PluginLoadError(
                f"two plugins are both called {plugin_name!r} ({source} and an earlier one)",
                hint="uninstall or rename one of them",
            )
        try:
            self.pm.register(plugin, name=plugin_name)
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(
                f"plugin {plugin_name!r} does not fit the hook API: {exc}",
                hint="compare the hook's arguments with gobuildpack/hookspecs.py (docs/plugins.md)",
            ) from exc
        hooks = sorted(
            caller.name for caller in self.pm.get_hookcallers(plugin) or [] if caller.name
        )
        is_buildpack = any(h in PHASE_HOOKS for h in hooks)
        if is_buildpack and buildpack is None:
            buildpack = BuildpackInfo(id=plugin_name, version=version or "0.0.0")
        info = PluginInfo(
            name=plugin_name,
            source=source,
            version=(buildpack.version if buildpack else None) or version or "0.0.0",
            location=location or getattr(plugin, "__file__", None) or default_name,
            plugin=plugin,
            buildpack=buildpack if is_buildpack else None,
            optional=optional,
            hooks=hooks,
        )
        self.infos.append(info)
        return info

    def load_builtins(self) -> None:
        for module_name in BUILTIN_PLUGINS:
            module = importlib.import_module(module_name)
            self.register(module, source="builtin", version=__version__)

    def load_entrypoints(self) -> None:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if self.pm.is_blocked(ep.name):
                continue
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginLoadError(
                    f"plugin {ep.name!r} (entry point {ep.value}) failed to import: "
                    f"{type(exc).__name__}: {exc}",
                    hint=f"fix the package, uninstall it, or block it with {ENV_BLOCK}={ep.name}",
                ) from exc
            dist = ep.dist
            version = dist.version if dist is not None else None
            if not isinstance(module, ModuleType):
                raise PluginLoadError(
                    f"entry point {ep.name!r} ({ep.value}) must name a module",
                    hint="point the entry point at the module that holds the hook functions",
                )
            self.register(module, source="entrypoint", name=ep.name, version=version)

    def load_path(
        self, path: Path, *, source: str = "cli", optional: bool = False
    ) -> PluginInfo | None:
        """Load a plugin from a path: a CNB exec buildpack directory (``buildpack.toml`` and
        ``bin/``), or a Python plugin file or directory (``__init__.py`` or ``plugin.py``)."""
        path = path.resolve()
        if path.is_dir() and is_exec_buildpack(path):
            exec_bp = ExecBuildpack.load(path)
            return self.register(
                exec_bp,
                source=source,
                buildpack=exec_bp.info,
                location=str(path),
                optional=optional,
            )
        if path.is_dir():
            candidates = [path / "__init__.py", path / "plugin.py"]
            file = next((c for c in candidates if c.is_file()), None)
            if file is None:
                raise PluginLoadError(
                    f"{path} holds no plugin: expected __init__.py or plugin.py (a Python "
                    "plugin), or buildpack.toml with bin/detect and bin/build (a CNB buildpack)",
                    hint="point --buildpack at a plugin file or directory",
                )
        elif path.is_file():
            file = path
        else:
            raise PluginLoadError(
                f"plugin path {path} does not exist",
                hint="check the path given to --buildpack",
            )
        module_name = f"gobuildpack_local_{abs(hash(str(file))):x}"
        spec = importlib.util.spec_from_file_location(module_name, file)
        if spec is None or spec.loader is None:
            raise PluginLoadError(f"cannot import {file}", file=file)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise PluginLoadError(
                f"plugin {file} failed to import: {type(exc).__name__}: {exc}",
                file=file,
                hint="fix the plugin file, or drop it from the command line",
            ) from exc
        sys.modules[module_name] = module
        name = None if _read_buildpack_toml(module) else file.parent.name
        return self.register(module, source=source, name=name, optional=optional)

    def load_project(self, project: Project) -> dict[int, PluginInfo]:
        """Load the buildpacks project.toml's group gives by ``uri``; return them by position."""
        loaded: dict[int, PluginInfo] = {}
        for entry in project.group:
            if not entry.uri:
                continue
            directory = project.buildpack_dir(entry)
            if not directory.is_dir():
                raise ProjectFileError(
                    f"[[io.buildpacks.group]] entry {entry.position}: uri {entry.uri!r} is not a "
                    f"directory ({directory})",
                    file=project.path,
                    hint="give the buildpack's directory, relative to project.toml",
                )
            info = self.load_path(directory, source="project", optional=entry.optional)
            if info is not None:
                loaded[entry.position] = info
        return loaded

    def set_group(self, project: Project, loaded: Mapping[int, PluginInfo]) -> None:
        """Record the buildpacks the project's group names, in its order (after all loading)."""
        by_id = {info.buildpack.id: info for info in self.infos if info.buildpack is not None}
        for entry in project.group:
            info = loaded.get(entry.position)
            if entry.uri and info is None:
                continue  # blocked
            if info is None:
                assert entry.id is not None
                info = by_id.get(entry.id)
                if info is None:
                    if self.pm.is_blocked(entry.id):
                        continue
                    raise ProjectFileError(
                        f"[[io.buildpacks.group]] entry {entry.position} names buildpack "
                        f"{entry.id}, which is not loaded (loaded: {', '.join(sorted(by_id))})",
                        file=project.path,
                        hint="give its `uri` (the buildpack's directory, relative to "
                        "project.toml), or install the plugin that provides it",
                    )
                info.optional = info.optional or entry.optional
            if info.buildpack is None:
                raise ProjectFileError(
                    f"[[io.buildpacks.group]] entry {entry.position}: {entry.uri} is a plugin "
                    "without detect or build hooks, not a buildpack",
                    file=project.path,
                    hint="load plugins that are not buildpacks with --buildpack",
                )
            self._check_entry(project, entry, info)
            self.named.append(info)

    def _check_entry(self, project: Project, entry: GroupEntry, info: PluginInfo) -> None:
        assert info.buildpack is not None
        where = f"[[io.buildpacks.group]] entry {entry.position}"
        if entry.id and entry.id != info.buildpack.id:
            raise ProjectFileError(
                f"{where} says id {entry.id!r}, but {entry.uri} is buildpack {info.buildpack.id}",
                file=project.path,
                hint="fix the id, or drop it (the uri is enough)",
            )
        if entry.version and entry.version != info.buildpack.version:
            raise ProjectFileError(
                f"{where} asks for {info.buildpack.id} {entry.version}, but {info.version} is "
                "loaded",
                file=project.path,
                hint="change the version in project.toml, or drop it",
            )
        if info in self.named:
            raise ProjectFileError(
                f"{where} names {info.buildpack.id} a second time",
                file=project.path,
                hint="list each buildpack once",
            )

    def finish(self) -> None:
        """Check that every hook implemented matches a declared hook (catches typos)."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(
                f"{exc}",
                hint="a function named gobuildpack_* must match a hook in docs/plugins.md",
            ) from exc

    # -- calling -------------------------------------------------------------------------------

    def buildpacks(self) -> list[PluginInfo]:
        """The buildpacks in group order (see the module docstring)."""
        default = [info for info in self.infos if info.buildpack is not None]
        named = {id(info) for info in self.named}
        order: list[PluginInfo] = []
        for info in default:
            if id(info) not in named:
                order.append(info)
            elif not any(id(o) in named for o in order):
                order.extend(self.named)  # the whole group, where its first member would run
        return order

    def _call(self, info: PluginInfo, hook_name: str, phase: str, kwargs: Mapping[str, Any]) -> Any:
        others = [i.plugin for i in self.infos if i is not info]
        caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
        try:
            return caller(**kwargs)
        except GobuildpackError:
            raise
        except Exception as exc:
            raise PluginError(info.name, hook_name, phase, exc) from exc

    def call_one(self, info: PluginInfo, hook_name: str, phase: str, **kwargs: Any) -> Any:
        """Call one plugin's implementation of a gathering or phase hook; None if it has none."""
        if hook_name not in info.hooks:
            return None
        results = self._call(info, hook_name, phase, kwargs)
        return results[0] if results else None

    def call_all(self, hook_name: str, phase: str, **kwargs: Any) -> list[Any]:
        """Call every plugin's implementation, in load order; returns their non-None results."""
        out: list[Any] = []
        for info in self.infos:
            result = self.call_one(info, hook_name, phase, **kwargs)
            if result is not None:
                out.append(result)
        return out

    def first(self, hook_name: str, phase: str, **kwargs: Any) -> Any:
        """Ask plugins in pluggy's call order (last loaded first); return the first answer."""
        by_name = {info.name: info for info in self.infos}
        hook = getattr(self.pm.hook, hook_name)
        for impl in reversed(hook.get_hookimpls()):
            info = by_name[impl.plugin_name]
            result = self._call(info, hook_name, phase, kwargs)
            if result is not None:
                return result
        return None


def load_plugins(
    env: Mapping[str, str],
    *,
    paths: Iterable[Path] = (),
    project: Project | None = None,
) -> Plugins:
    """Load every plugin in the documented order and check the hooks they implement."""
    plugins = Plugins()
    plugins.block(n.strip() for n in env.get(ENV_BLOCK, "").split(","))
    plugins.load_builtins()
    if not env.get(ENV_DISABLE_AUTOLOAD):
        plugins.load_entrypoints()
    loaded = plugins.load_project(project) if project is not None else {}
    for path in paths:
        plugins.load_path(path)
    if project is not None:
        plugins.set_group(project, loaded)
    plugins.finish()
    return plugins
