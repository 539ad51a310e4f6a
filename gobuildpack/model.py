"""The typed values the phases hand to each other and to plugins.

detect: :class:`DetectContext` → :class:`DetectResult`, filling in a :class:`BuildPlan`
build:  :class:`BuildContext` → :class:`Layer` objects and :class:`BuildResult`
export: :class:`ImageSpec` → :class:`ExportResult`
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from gobuildpack._compat import tomllib
from gobuildpack.cache import CacheDirs
from gobuildpack.errors import UsageError
from gobuildpack.gitinfo import GitInfo, git_info
from gobuildpack.gomod import (
    GoMod,
    GoWork,
    VendoredModule,
    parse_gomod,
    parse_gowork,
    parse_modules_txt,
)
from gobuildpack.layerenv import LayerEnv
from gobuildpack.log import Log
from gobuildpack.toolchain import GoToolchain

LAYERS_ROOT = "/layers"
WORKSPACE = "/workspace"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True)
class Platform:
    """An image platform, as OCI spells it (``linux/amd64``, ``linux/arm64/v8``)."""

    os: str = "linux"
    architecture: str = "amd64"
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise UsageError(
                f"invalid platform {text!r}",
                hint="write it as OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm64",
            )
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


@dataclass(frozen=True)
class BuildpackInfo:
    """Who a buildpack is: its id and version (from buildpack.toml or the plugin's package)."""

    id: str
    version: str = "0.0.0"
    name: str = ""
    homepage: str = ""

    @property
    def layers_dirname(self) -> str:
        """The buildpack's directory under /layers: its id with '/' replaced by '_' (CNB rule)."""
        return self.id.replace("/", "_")


@dataclass
class App:
    """The application being built: its directory, the platform environment and caches.

    ``env`` is the environment buildpacks read their configuration from (``BP_GO_TARGETS`` and
    friends): the process environment, then project.toml's build env, then ``--env`` values.
    ``user_env`` holds only what the user set for this build (project.toml and ``--env``); with
    the ``BP_*`` variables of ``env`` it is the CNB platform environment (``<platform>/env/``).
    """

    dir: Path
    env: dict[str, str]
    cache: CacheDirs
    log: Log = field(default_factory=Log)
    platform: Platform = field(default_factory=Platform)
    user_env: dict[str, str] = field(default_factory=dict)
    # What this build writes (e.g. an oci: output inside the app): not an input of the build.
    written: tuple[Path, ...] = ()

    def platform_env(self) -> dict[str, str]:
        """The user-provided build variables: every ``BP_*`` in ``env``, plus ``user_env``."""
        out = {k: v for k, v in sorted(self.env.items()) if k.startswith("BP_")}
        out.update(self.user_env)
        return out

    @cached_property
    def gomod(self) -> GoMod | None:
        """The parsed ``go.mod`` at the app root, or None when there is none."""
        path = self.dir / "go.mod"
        return parse_gomod(path) if path.is_file() else None

    @cached_property
    def gowork_path(self) -> Path | None:
        """The ``go.work`` in effect: ``$GOWORK`` if set (``off`` disables), else app/go.work."""
        explicit = self.env.get("GOWORK")
        if explicit is not None and explicit != "":
            return None if explicit == "off" else (self.dir / explicit).resolve()
        path = self.dir / "go.work"
        return path if path.is_file() else None

    @cached_property
    def gowork(self) -> GoWork | None:
        path = self.gowork_path
        return parse_gowork(path) if path is not None else None

    @cached_property
    def local_module_dirs(self) -> list[Path]:
        """Directories of local modules the build reads besides the app: go.mod ``replace``
        targets and go.work ``use`` entries that lie outside the app directory."""
        found: set[Path] = set()
        if self.gomod is not None:
            for replace in self.gomod.replaces:
                if replace.is_local:
                    found.add((self.dir / replace.new_path).resolve())
        if self.gowork is not None:
            for use in self.gowork.uses:
                found.add((self.gowork.file.parent / use.path).resolve())
        root = self.dir.resolve()
        return sorted(p for p in found if p != root and root not in p.parents)

    @cached_property
    def git(self) -> GitInfo:
        """Revision, origin URL and last commit time, when the app is in a git work tree."""
        return git_info(self.dir)

    @cached_property
    def vendored(self) -> tuple[VendoredModule, ...] | None:
        """The modules in ``vendor/modules.txt``, or None when the app does not vendor."""
        path = self.dir / "vendor" / "modules.txt"
        return parse_modules_txt(path) if path.is_file() else None


@dataclass(frozen=True)
class Target:
    """One main package to build into one binary."""

    path: str  # as the user wrote it, relative to the app: "." or "./cmd/api"
    import_path: str
    name: str  # the binary's file name
    dir: Path

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "import_path": self.import_path, "name": self.name}


@dataclass
class Process:
    """A way to run the image: CNB launch.toml ``[[processes]]``."""

    type: str
    command: list[str]
    args: list[str] = field(default_factory=list)
    default: bool = False
    working_dir: str | None = None
    buildpack_id: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "command": self.command,
            "args": self.args,
            "direct": True,
            "buildpackID": self.buildpack_id,
        }
        if self.default:
            data["default"] = True
        if self.working_dir:
            data["working-dir"] = self.working_dir
        return data


DependencyMode = Literal["module", "vendor", "workspace"]


@dataclass
class BuildPlan:
    """What detect decided and build carries out. Buildpacks fill it in group order."""

    app_dir: Path
    platform: Platform
    module: str | None = None
    go_wanted: str | None = None  # the go.mod / go.work ``go`` line
    toolchain_wanted: str | None = None  # the ``toolchain`` line
    go: GoToolchain | None = None  # the toolchain that will build
    dependency_mode: DependencyMode = "module"
    targets: list[Target] = field(default_factory=list)
    build_flags: list[str] = field(default_factory=list)
    ldflags: str = ""
    processes: list[Process] = field(default_factory=list)
    buildpacks: list[BuildpackInfo] = field(default_factory=list)
    # CNB build plan, by buildpack id: the names each provides and requires (the chosen option).
    provides: dict[str, list[str]] = field(default_factory=dict)
    requires: dict[str, list[str]] = field(default_factory=dict)
    # The resolved CNB build plan: each dependency with its providers and requirements.
    entries: list[PlanEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "app": str(self.app_dir),
            "platform": str(self.platform),
            "module": self.module,
            "go": {
                "wanted": self.go_wanted,
                "toolchain_wanted": self.toolchain_wanted,
                "found": str(self.go.version) if self.go else None,
                "path": str(self.go.go) if self.go else None,
            },
            "dependency_mode": self.dependency_mode,
            "targets": [t.to_json() for t in self.targets],
            "build_flags": self.build_flags,
            "ldflags": self.ldflags,
            "processes": [p.to_json() for p in self.processes],
            "buildpacks": [{"id": b.id, "version": b.version} for b in self.buildpacks],
        }


@dataclass
class Require:
    """One CNB build plan requirement: a dependency's name and what the requirer wants of it."""

    name: str
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_toml(self) -> dict[str, Any]:
        if not self.metadata:
            return {"name": self.name}
        return {"name": self.name, "metadata": self.metadata}


@dataclass
class PlanOption:
    """One pairing of provides and requires: a buildpack's own, or one of its ``[[or]]``."""

    provides: list[str] = field(default_factory=list)
    requires: list[Require] = field(default_factory=list)


@dataclass
class PlanEntry:
    """A resolved dependency: the buildpacks that provide it and every requirement on it."""

    name: str
    providers: list[str] = field(default_factory=list)  # buildpack ids, in group order
    requires: list[Require] = field(default_factory=list)


@dataclass
class DetectResult:
    """A buildpack's answer to detect: pass or fail, and what it provides and requires.

    ``provides``/``requires`` are the buildpack's plan; ``alternatives`` are further pairings
    (CNB ``[[or]]``), tried in order when the first cannot be resolved with the rest of the group.
    A requirement is a name, or a :class:`Require` carrying metadata for its provider.
    """

    passed: bool = True
    reason: str = ""  # why it failed, shown to the user when a required buildpack fails
    hint: str = ""  # what the user can do about it
    provides: list[str] = field(default_factory=list)
    requires: list[str | Require] = field(default_factory=list)
    alternatives: list[PlanOption] = field(default_factory=list)
    details: str = ""  # output to show with the reason (e.g. what bin/detect printed)

    def options(self) -> list[PlanOption]:
        """Every pairing of provides and requires, the buildpack's own first."""
        own = PlanOption(
            list(self.provides),
            [r if isinstance(r, Require) else Require(r) for r in self.requires],
        )
        return [own, *self.alternatives]


@dataclass
class DetectContext:
    """What a buildpack's detect hook sees."""

    app: App
    plan: BuildPlan
    buildpack: BuildpackInfo
    go: Callable[[], GoToolchain]  # locate Go (once per build) when a buildpack needs it


def read_layer_metadata(path: Path) -> dict[str, Any]:
    """The ``[metadata]`` table of a CNB ``<layer>.toml``; empty when unreadable."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    metadata = data.get("metadata", {})
    return dict(metadata) if isinstance(metadata, dict) else {}


_LAYER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class Layer:
    """A directory a buildpack fills, and where (and whether) it goes into the image.

    ``launch`` layers are exported; ``cache`` layers outlive the build; ``build`` layers are seen
    by later buildpacks only. ``image_path`` defaults to ``/layers/<buildpack>/<name>``; a layer
    whose ``image_path`` is ``/`` overlays the root file system (CA certificates, /etc/passwd).
    ``owners`` maps paths relative to the layer to ``(uid, gid)``; everything else is root's.
    ``modes`` maps paths relative to the layer to permission bits; everything else gets 0755
    (directories and executables) or 0644, whatever the builder's umask.
    ``env`` holds the layer's environment files (CNB ``env/``, ``env.build/``, ``env.launch/``):
    those of a ``build`` layer change the environment of later buildpacks, those of a ``launch``
    layer the image's.
    """

    buildpack: BuildpackInfo
    name: str
    path: Path
    launch: bool = False
    build: bool = False
    cache: bool = False
    image_path: str = ""
    owners: dict[str, tuple[int, int]] = field(default_factory=dict)
    modes: dict[str, int] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    env: LayerEnv = field(default_factory=LayerEnv)

    def __post_init__(self) -> None:
        if not _LAYER_NAME.match(self.name):
            raise ValueError(
                f"invalid layer name {self.name!r}: use letters, digits, '.', '_' and '-'"
            )
        if not self.image_path:
            self.image_path = f"{LAYERS_ROOT}/{self.buildpack.layers_dirname}/{self.name}"


@dataclass
class BuildContext:
    """What a buildpack's build hook sees, and how it contributes layers.

    ``entries`` is the buildpack's CNB Buildpack Plan: the requirements of the group on what this
    buildpack provides and no earlier buildpack met. A cache layer kept from the previous build
    of this app is restored into ``layers_dir`` before the hook runs; ``layer(name, cache=True)``
    returns it with its contents and metadata.
    """

    app: App
    plan: BuildPlan
    buildpack: BuildpackInfo
    layers_dir: Path  # this buildpack's own directory for layers
    env: dict[str, str]  # the build environment (platform env plus earlier build layers' env)
    log: Log
    layers: list[Layer] = field(default_factory=list)
    entries: list[Require] = field(default_factory=list)

    def layer(
        self,
        name: str,
        *,
        launch: bool = False,
        build: bool = False,
        cache: bool = False,
        image_path: str = "",
    ) -> Layer:
        """Create (or return) this buildpack's layer ``name``: a directory to fill.

        The directory is empty unless a cache layer of that name was restored from the previous
        build, in which case it holds that layer's files and ``metadata`` holds its metadata.
        """
        for existing in self.layers:
            if existing.name == name:
                return existing
        layer = Layer(
            self.buildpack,
            name,
            self.layers_dir / name,
            launch=launch,
            build=build,
            cache=cache,
            image_path=image_path,
        )
        restored = self.layers_dir / f"{name}.toml"
        if restored.is_file():
            layer.metadata = read_layer_metadata(restored)
        layer.path.mkdir(parents=True, exist_ok=True)
        self.layers.append(layer)
        return layer


@dataclass
class BuildResult:
    """What a buildpack's build hook returns beyond its layers.

    ``unmet`` names entries of ``context.entries`` this buildpack did not satisfy; they are handed
    to the next buildpack that provides them (CNB ``build.toml`` ``[[unmet]]``).
    """

    processes: list[Process] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    launch_env: dict[str, str] = field(default_factory=dict)
    unmet: list[str] = field(default_factory=list)


@dataclass
class ImageConfig:
    """The runnable part of the image config, plus labels and manifest annotations."""

    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    user: str = ""
    working_dir: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    exposed_ports: list[str] = field(default_factory=list)

    def env_list(self) -> list[str]:
        return [f"{k}={v}" for k, v in self.env.items()]


@dataclass
class ImageSpec:
    """Everything an exporter needs: base, launch layers in order, config, time and platform."""

    layers: list[Layer]
    config: ImageConfig
    created: datetime
    platform: Platform
    base: str | None = None  # None: scratch


@dataclass(frozen=True)
class ExportResult:
    """Where the image went: the reference written and the manifest digest."""

    reference: str
    digest: str  # sha256:... of the image manifest
    image_id: str = ""  # sha256:... of the config
    exporter: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "reference": self.reference,
            "digest": self.digest,
            "image_id": self.image_id,
            "exporter": self.exporter,
        }


EnvMapping = Mapping[str, str]


def go_environ(app: App, plan: BuildPlan, base: Mapping[str, str]) -> dict[str, str]:
    """The environment every go command of a build runs with.

    Our caches, ``GOTOOLCHAIN=local``, the go.work decision made by detect, static binaries
    (``CGO_ENABLED=0``: a scratch image has no C library) for the plan's platform.
    """
    assert plan.go is not None, "go-dist must run before any go command"
    extra = {
        "GOWORK": str(app.gowork_path) if app.gowork_path else "off",
        "CGO_ENABLED": "0",
        "GOOS": plan.platform.os,
        "GOARCH": plan.platform.architecture,
    }
    variant = plan.platform.variant
    if variant and plan.platform.architecture == "arm":
        extra["GOARM"] = variant.removeprefix("v")
    elif variant and plan.platform.architecture == "amd64":
        extra["GOAMD64"] = variant
    return plan.go.environ(base, app.cache, extra)
