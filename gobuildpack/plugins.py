"""The plugin manager: loads plugins in a fixed order and calls their hooks, naming the guilty.

Load order (also the order phase hooks run in):

1. the built-in buildpacks and exporters, listed in :data:`BUILTIN_PLUGINS`;
2. installed packages that declare an entry point in the ``gobuildpack`` group
   (skipped when ``GOBUILDPACK_DISABLE_PLUGIN_AUTOLOAD`` is set);
3. plugins named on the command line with ``--buildpack PATH`` (a Python file, or a directory
   holding ``__init__.py`` or ``plugin.py``).

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
from gobuildpack.errors import GobuildpackError, PluginError, PluginLoadError
from gobuildpack.model import BuildpackInfo

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
    source: str  # "builtin" | "entrypoint" | "cli"
    version: str
    location: str
    plugin: object
    buildpack: BuildpackInfo | None = None
    optional: bool = False
    hooks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "version": self.version,
            "location": self.location,
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
        return BuildpackInfo(
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


class Plugins:
    """A pluggy PluginManager plus what we know about each plugin, in load order."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.infos: list[PluginInfo] = []
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
        module: ModuleType,
        *,
        source: str,
        name: str | None = None,
        version: str | None = None,
        optional: bool = False,
    ) -> PluginInfo | None:
        """Register one plugin module; returns None when it is blocked."""
        buildpack = _read_buildpack_toml(module)
        plugin_name = name or (buildpack.id if buildpack else module.__name__)
        if self.pm.is_blocked(plugin_name):
            return None
        if self.pm.has_plugin(plugin_name) or self.pm.is_registered(module):
            raise PluginLoadError(
                f"two plugins are both called {plugin_name!r} ({source} and an earlier one)",
                hint="uninstall or rename one of them",
            )
        try:
            self.pm.register(module, name=plugin_name)
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(
                f"plugin {plugin_name!r} does not fit the hook API: {exc}",
                hint="compare the hook's arguments with gobuildpack/hookspecs.py (docs/plugins.md)",
            ) from exc
        hooks = sorted(
            caller.name for caller in self.pm.get_hookcallers(module) or [] if caller.name
        )
        is_buildpack = any(h in PHASE_HOOKS for h in hooks)
        if is_buildpack and buildpack is None:
            buildpack = BuildpackInfo(id=plugin_name, version=version or "0.0.0")
        info = PluginInfo(
            name=plugin_name,
            source=source,
            version=(buildpack.version if buildpack else None) or version or "0.0.0",
            location=getattr(module, "__file__", None) or module.__name__,
            plugin=module,
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

    def load_path(self, path: Path, *, source: str = "cli") -> PluginInfo | None:
        """Load a Python plugin from a file or a directory (``__init__.py`` or ``plugin.py``)."""
        path = path.resolve()
        if path.is_dir():
            candidates = [path / "__init__.py", path / "plugin.py"]
            file = next((c for c in candidates if c.is_file()), None)
            if file is None:
                raise PluginLoadError(
                    f"{path} holds no plugin: expected __init__.py or plugin.py in it",
                    hint="point --buildpack at a Python plugin file or its directory",
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
        return self.register(module, source=source, name=name)

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
        return [info for info in self.infos if info.buildpack is not None]

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
) -> Plugins:
    """Load every plugin in the documented order and check the hooks they implement."""
    plugins = Plugins()
    plugins.block(n.strip() for n in env.get(ENV_BLOCK, "").split(","))
    plugins.load_builtins()
    if not env.get(ENV_DISABLE_AUTOLOAD):
        plugins.load_entrypoints()
    for path in paths:
        plugins.load_path(path)
    plugins.finish()
    return plugins
