"""CNB exec buildpacks: a directory with ``buildpack.toml``, ``bin/detect`` and ``bin/build``.

Such a directory (in any language) is loaded with ``--buildpack DIR`` or from project.toml's
``[[io.buildpacks.group]]`` and becomes an :class:`ExecBuildpack`, a plugin like any other: its
``gobuildpack_detect`` and ``gobuildpack_build`` hooks run the executables under the Buildpack API
contract (versions in :data:`SUPPORTED_APIS`; others are refused when the buildpack is loaded).

**Detect.** ``bin/detect <platform> <plan>`` runs in the app directory with
``CNB_PLATFORM_DIR``, ``CNB_BUILD_PLAN_PATH``, ``CNB_BUILDPACK_DIR`` and ``CNB_TARGET_OS``/
``_ARCH``/``_ARCH_VARIANT`` set. Exit 0 passes, 100 fails, anything else is an error (the build
stops with the buildpack's output; an optional buildpack is dropped with a warning instead).
The plan it writes (``[[provides]]``, ``[[requires]]`` with ``metadata``, ``[[or]]``) goes to plan
resolution (:mod:`gobuildpack.resolve`). ``<platform>/env/<NAME>`` holds each user-provided build
variable (every ``BP_*``, project.toml's build env, ``--env``).

**Build.** ``bin/build <layers> <platform> <plan>`` runs in the app directory with
``CNB_LAYERS_DIR``, ``CNB_PLATFORM_DIR``, ``CNB_BP_PLAN_PATH`` (its Buildpack Plan:
``[[entries]]`` with ``name`` and ``metadata``), ``CNB_BUILDPACK_DIR`` and the target variables;
what it prints streams to stderr. Its environment is the build environment: ours, plus what
earlier buildpacks' build layers contributed. Then:

* ``<layers>/<name>.toml`` ``[types]`` (``launch``, ``build``, ``cache``) and ``[metadata]``
  declare a layer. Launch layers go into the image at ``/layers/<id, '/' as '_'>/<name>``; build
  layers' ``bin/``, ``lib/``... and ``env/``, ``env.build/`` files reach later buildpacks (see
  :mod:`gobuildpack.layerenv`); cache layers are kept for the next build of the app and
  restored, with their metadata but no ``[types]``, before ``bin/build`` runs again. A layer
  with none of the three is renamed ``<name>.ignore`` and left out.
* ``<layers>/launch.toml``: ``[[processes]]`` (``type``, ``command`` as a list, ``args``,
  ``default``, ``working-dir``) and ``[[labels]]`` (``key``, ``value``).
* ``<layers>/build.toml``: ``[[unmet]]`` names of plan entries left to the next provider.

The layers directory is a scratch directory on this machine, not ``/layers``: paths under it that
a buildpack writes into launch env files or ``launch.toml`` are rewritten to the layer's path in
the image when the image is assembled.

Not supported (there is no launcher in the image): ``profile.d``, ``exec.d``, process-specific
``env.launch/<process>/``, ``slices``; also SBOM files, ``store.toml``, ``[[targets]]`` checks,
and composite (``[[order]]``) buildpacks.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from gobuildpack import hookimpl, proc
from gobuildpack._compat import tomllib
from gobuildpack.errors import BuildFailed, DetectFailed, GobuildpackError, PluginLoadError
from gobuildpack.layerenv import LayerEnv
from gobuildpack.log import Log
from gobuildpack.model import (
    App,
    BuildContext,
    BuildpackInfo,
    BuildResult,
    DetectContext,
    DetectResult,
    Layer,
    PlanOption,
    Platform,
    Process,
    Require,
)

# The Buildpack API versions we implement. The one place they are listed.
SUPPORTED_APIS: tuple[str, ...] = ("0.10", "0.11", "0.12")

DETECT_PASS = 0
DETECT_FAIL = 100
DESCRIPTOR = "buildpack.toml"
METADATA_FILES = ("launch.toml", "build.toml", "store.toml")
RESERVED_LAYER_NAMES = ("build", "launch", "store")
_BUILDPACK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]*$")
_PROCESS_TYPE = re.compile(r"^[A-Za-z0-9._-]+$")
_OUTPUT_TAIL = 60  # lines of a failed bin/build's output repeated in the error


def check_api(api: object, *, buildpack: str, file: Path) -> str:
    """Return ``api`` if we implement that Buildpack API version; raise PluginLoadError if not."""
    text = str(api).strip() if api is not None else ""
    if "." not in text and text.isdigit():
        text = f"{text}.0"  # "<major>" means "<major>.0"
    if text not in SUPPORTED_APIS:
        found = f"Buildpack API {text}" if text else "no Buildpack API version (`api`)"
        raise PluginLoadError(
            f"buildpack {buildpack} declares {found}; gobuildpack implements "
            f"{', '.join(SUPPORTED_APIS)}",
            file=file,
            hint=f'set api = "{SUPPORTED_APIS[-1]}" in buildpack.toml once the buildpack follows '
            "that version of the spec (https://github.com/buildpacks/spec/blob/main/buildpack.md)",
        )
    return text


@dataclass(frozen=True)
class Descriptor:
    """What ``buildpack.toml`` says about an exec buildpack."""

    dir: Path
    api: str
    info: BuildpackInfo
    clear_env: bool = False

    @property
    def file(self) -> Path:
        return self.dir / DESCRIPTOR


def is_exec_buildpack(directory: Path) -> bool:
    """A directory that holds ``buildpack.toml`` and a ``bin/detect`` or ``bin/build``."""
    return (directory / DESCRIPTOR).is_file() and any(
        (directory / "bin" / exe).exists() for exe in ("detect", "build")
    )


def read_descriptor(directory: Path) -> Descriptor:
    """Read and check an exec buildpack's ``buildpack.toml`` and executables."""
    file = directory / DESCRIPTOR
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PluginLoadError(
            f"cannot read the buildpack descriptor: {exc}",
            file=file,
            hint="buildpack.toml needs `api` and a [buildpack] table with `id` and `version`",
        ) from exc
    table = data.get("buildpack")
    if not isinstance(table, dict) or not isinstance(table.get("id"), str):
        raise PluginLoadError(
            "buildpack.toml has no [buildpack] table with an `id`",
            file=file,
            hint='add [buildpack] with id = "<vendor>/<name>" and version = "0.1.0"',
        )
    bp_id = table["id"]
    if not _BUILDPACK_ID.match(bp_id) or bp_id in ("app", "config", "sbom"):
        raise PluginLoadError(
            f"buildpack id {bp_id!r} is not allowed",
            file=file,
            hint="use letters, digits, '.', '/' and '-' (e.g. example/static-assets), and not "
            "app, config or sbom",
        )
    if "order" in data:
        raise PluginLoadError(
            f"buildpack {bp_id} is a composite buildpack ([[order]]), which gobuildpack does not "
            "run",
            file=file,
            hint="list its buildpacks in project.toml's [[io.buildpacks.group]] instead",
        )
    api = check_api(data.get("api"), buildpack=bp_id, file=file)
    clear_env = table.get("clear-env", False)
    if not isinstance(clear_env, bool):
        raise PluginLoadError("`clear-env` must be true or false", file=file)
    for exe in ("detect", "build"):
        path = directory / "bin" / exe
        if not path.is_file():
            raise PluginLoadError(
                f"buildpack {bp_id} has no bin/{exe}",
                file=path,
                hint="an exec buildpack needs both bin/detect and bin/build",
            )
        if not os.access(path, os.X_OK):
            raise PluginLoadError(
                f"bin/{exe} of buildpack {bp_id} is not executable",
                file=path,
                hint=f"chmod +x {path}",
            )
    info = BuildpackInfo(
        id=bp_id,
        version=str(table.get("version", "0.0.0")),
        name=str(table.get("name", "")),
        homepage=str(table.get("homepage", "")),
    )
    return Descriptor(dir=directory, api=api, info=info, clear_env=clear_env)


def target_env(platform: Platform) -> dict[str, str]:
    """The CNB_TARGET_* variables for the image's platform (a scratch image has no distro)."""
    env = {"CNB_TARGET_OS": platform.os, "CNB_TARGET_ARCH": platform.architecture}
    if platform.variant:
        env["CNB_TARGET_ARCH_VARIANT"] = platform.variant
    return env


def write_platform_dir(root: Path, env: Mapping[str, str]) -> Path:
    """Lay out ``<platform>/env/<NAME>`` files, one per user-provided variable."""
    env_dir = root / "env"
    env_dir.mkdir(parents=True, exist_ok=True)
    for name, value in env.items():
        if name and "/" not in name and name not in (".", ".."):
            (env_dir / name).write_text(value, encoding="utf-8")
    return root


# -- reading what the executables wrote ------------------------------------------------------


class _Reader:
    """Reads one TOML file a buildpack wrote, raising ``error`` that names it."""

    def __init__(self, path: Path, buildpack: str, error: type[GobuildpackError]) -> None:
        self.path = path
        self.buildpack = buildpack
        self.error = error

    def fail(self, message: str, hint: str | None = None) -> GobuildpackError:
        return self.error(
            f"buildpack {self.buildpack} wrote an invalid {self.path.name}: {message}",
            file=self.path,
            hint=hint or "fix the buildpack's bin/ script (the file format is in the CNB spec)",
        )

    def load(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            raise self.fail(str(exc)) from exc
        try:
            return dict(tomllib.loads(text))
        except tomllib.TOMLDecodeError as exc:
            raise self.fail(f"not valid TOML ({exc})") from exc

    def tables(self, data: Mapping[str, Any], key: str, where: str = "") -> list[dict[str, Any]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{where}{key} must be an array of tables ([[{where}{key}]])")
        return value

    def table(self, data: Mapping[str, Any], key: str, where: str = "") -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"{where}{key} must be a table")
        return value

    def string(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise self.fail(f"{where} needs a string `{key}`")
        return value

    def strings(self, data: Mapping[str, Any], key: str, where: str) -> list[str]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}: `{key}` must be a list of strings")
        return list(value)

    def boolean(self, data: Mapping[str, Any], key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(f"{where}: `{key}` must be true or false")
        return value


def read_build_plan(path: Path, buildpack: str, log: Log) -> list[PlanOption]:
    """The options of a plan ``bin/detect`` wrote: its own pairing, then each ``[[or]]``."""
    reader = _Reader(path, buildpack, DetectFailed)
    data = reader.load()

    def option(section: Mapping[str, Any], where: str) -> PlanOption:
        provides = [
            reader.string(p, "name", f"[[{where}provides]]")
            for p in reader.tables(section, "provides", where)
        ]
        requires = []
        for raw in reader.tables(section, "requires", where):
            name = reader.string(raw, "name", f"[[{where}requires]]")
            metadata = dict(reader.table(raw, "metadata", f"{where}requires."))
            if "version" in raw:
                if "version" in metadata:
                    raise reader.fail(
                        f"requirement {name!r} has both `version` and `metadata.version`",
                        hint="keep only metadata.version",
                    )
                log.warn(
                    f"{buildpack}: requirement {name!r} uses the deprecated `version` key; "
                    "write metadata.version instead"
                )
                metadata["version"] = raw["version"]
            requires.append(Require(name, metadata))
        return PlanOption(provides, requires)

    options = [option(data, "")]
    options += [option(alt, "or.") for alt in reader.tables(data, "or")]
    return options


def read_launch_toml(path: Path, buildpack: str, log: Log) -> tuple[list[Process], dict[str, str]]:
    """Processes and labels from ``<layers>/launch.toml`` (Buildpack API 0.9+ process format)."""
    reader = _Reader(path, buildpack, BuildFailed)
    data = reader.load()
    processes: list[Process] = []
    for raw in reader.tables(data, "processes"):
        ptype = reader.string(raw, "type", "[[processes]]")
        where = f"process {ptype!r}"
        if not _PROCESS_TYPE.match(ptype):
            raise reader.fail(f"{where}: a type may hold only letters, digits, '.', '_' and '-'")
        if any(p.type == ptype for p in processes):
            raise reader.fail(f"{where} is defined twice")
        command = raw.get("command")
        if isinstance(command, str):
            raise reader.fail(
                f"{where}: `command` is a string, the form of Buildpack API < 0.9",
                hint=f'write command = ["{command}"] (a list: the program, then fixed arguments)',
            )
        if "direct" in raw:
            raise reader.fail(
                f"{where}: `direct` is gone since Buildpack API 0.9 (processes are always direct)",
                hint="remove `direct`",
            )
        command_list = reader.strings(raw, "command", where)
        if not command_list or not command_list[0]:
            raise reader.fail(f"{where}: `command` must name a program")
        working_dir = raw.get("working-dir")
        if working_dir is not None and not isinstance(working_dir, str):
            raise reader.fail(f"{where}: `working-dir` must be a string")
        processes.append(
            Process(
                type=ptype,
                command=command_list,
                args=reader.strings(raw, "args", where),
                default=reader.boolean(raw, "default", where),
                working_dir=working_dir or None,
                buildpack_id=buildpack,
            )
        )
    if sum(p.default for p in processes) > 1:
        raise reader.fail("more than one process has default = true")
    labels: dict[str, str] = {}
    for raw in reader.tables(data, "labels"):
        labels[reader.string(raw, "key", "[[labels]]")] = str(raw.get("value", ""))
    if data.get("slices"):
        log.warn(f"{buildpack}: launch.toml [[slices]] are not supported and are ignored")
    return processes, labels


def read_unmet(path: Path, buildpack: str, entries: Sequence[Require]) -> list[str]:
    """Names from ``<layers>/build.toml`` ``[[unmet]]``; each must be in the Buildpack Plan."""
    reader = _Reader(path, buildpack, BuildFailed)
    names = [reader.string(u, "name", "[[unmet]]") for u in reader.tables(reader.load(), "unmet")]
    planned = {e.name for e in entries}
    for name in names:
        if name not in planned:
            raise reader.fail(
                f"unmet entry {name!r} is not in its Buildpack Plan ({', '.join(sorted(planned))})"
            )
    return names


# -- the plugin ------------------------------------------------------------------------------


class ExecBuildpack:
    """A CNB exec buildpack as a plugin: its hooks run ``bin/detect`` and ``bin/build``."""

    def __init__(self, descriptor: Descriptor) -> None:
        self.descriptor = descriptor
        self.info = descriptor.info
        self.dir = descriptor.dir

    def __repr__(self) -> str:
        return f"<ExecBuildpack {self.info.id} {self.info.version} at {self.dir}>"

    @classmethod
    def load(cls, directory: Path) -> ExecBuildpack:
        return cls(read_descriptor(directory.resolve()))

    # -- helpers ---------------------------------------------------------------------------

    def _environ(
        self, base: Mapping[str, str], app: App, extra: Mapping[str, str]
    ) -> dict[str, str]:
        env = dict(base)
        if self.descriptor.clear_env:
            for key in app.platform_env():
                env.pop(key, None)
        env.update(target_env(app.platform))
        env["CNB_BUILDPACK_DIR"] = str(self.dir)
        env.update(extra)
        return env

    def _run(
        self,
        exe: str,
        args: Sequence[Path],
        *,
        app: App,
        env: Mapping[str, str],
        stream: bool,
        error: type[GobuildpackError],
    ) -> proc.Result:
        path = self.dir / "bin" / exe
        try:
            return proc.run(
                [path, *args], cwd=app.dir, env=env, check=False, stream=stream, combine=True
            )
        except OSError as exc:
            raise error(
                f"buildpack {self.info.id}: cannot run bin/{exe}: {exc.strerror or exc}",
                file=path,
                hint="make it an executable file that starts with a #! line (e.g. #!/bin/sh)",
            ) from exc

    # -- hooks -----------------------------------------------------------------------------

    @hookimpl
    def gobuildpack_detect(self, context: DetectContext) -> DetectResult:
        app, bp = context.app, self.info
        scratch = app.cache.new_work_dir("detect-")
        try:
            platform = write_platform_dir(scratch / "platform", app.platform_env())
            plan_path = scratch / "plan.toml"
            plan_path.touch()
            env = self._environ(
                app.env,
                app,
                {"CNB_PLATFORM_DIR": str(platform), "CNB_BUILD_PLAN_PATH": str(plan_path)},
            )
            result = self._run(
                "detect",
                [platform, plan_path],
                app=app,
                env=env,
                stream=False,
                error=DetectFailed,
            )
            output = result.stderr.rstrip()
            if os.environ.get("GOBUILDPACK_DEBUG") and output:
                for line in output.splitlines():
                    app.log.info(f"{bp.id} detect: {line}")
            if result.returncode == DETECT_FAIL:
                return DetectResult(
                    passed=False,
                    reason=f"its bin/detect exited with status {DETECT_FAIL} (does not apply)",
                    hint="see what the buildpack printed below, or remove it from the group",
                    details=output,
                )
            if result.returncode != DETECT_PASS:
                raise DetectFailed(
                    f"buildpack {bp.id}: bin/detect failed with exit status {result.returncode} "
                    f"(0 passes, {DETECT_FAIL} fails, anything else is an error)",
                    file=self.dir / "bin" / "detect",
                    hint="fix the buildpack (its output is below), or remove it from the group",
                    details=output or "(no output)",
                )
            own, *alternatives = read_build_plan(plan_path, bp.id, app.log)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return DetectResult(
            provides=own.provides,
            requires=list(own.requires),
            alternatives=alternatives,
        )

    @hookimpl
    def gobuildpack_build(self, context: BuildContext) -> BuildResult:
        app, bp, layers_dir = context.app, self.info, context.layers_dir
        scratch = app.cache.new_work_dir("cnb-build-")
        try:
            platform = write_platform_dir(scratch / "platform", app.platform_env())
            plan_path = scratch / "plan.toml"
            plan_path.write_text(
                tomli_w.dumps({"entries": [entry.to_toml() for entry in context.entries]}),
                encoding="utf-8",
            )
            env = self._environ(
                context.env,
                app,
                {
                    "CNB_LAYERS_DIR": str(layers_dir),
                    "CNB_PLATFORM_DIR": str(platform),
                    "CNB_BP_PLAN_PATH": str(plan_path),
                },
            )
            context.log.info(f"{bp.id}: bin/build")
            result = self._run(
                "build",
                [layers_dir, platform, plan_path],
                app=app,
                env=env,
                stream=not context.log.quiet,
                error=BuildFailed,
            )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if result.returncode != 0:
            tail = result.stderr.rstrip().splitlines()[-_OUTPUT_TAIL:]
            raise BuildFailed(
                f"buildpack {bp.id}: bin/build failed with exit status {result.returncode}",
                file=self.dir / "bin" / "build",
                hint="fix what the buildpack reports (its output is below), or remove it from "
                "the group",
                details="\n".join(tail) or "(no output)",
            )
        context.layers.extend(self._read_layers(layers_dir, context.log))
        processes, labels = read_launch_toml(layers_dir / "launch.toml", bp.id, context.log)
        unmet = read_unmet(layers_dir / "build.toml", bp.id, context.entries)
        return BuildResult(processes=processes, labels=labels, unmet=unmet)

    def _read_layers(self, layers_dir: Path, log: Log) -> list[Layer]:
        """Every layer ``<name>.toml`` declares, in name order; untyped ones are set aside."""
        bp = self.info.id
        layers: list[Layer] = []
        for toml in sorted(layers_dir.glob("*.toml")):
            if toml.name in METADATA_FILES or not toml.is_file():
                continue
            name = toml.name[: -len(".toml")]
            reader = _Reader(toml, bp, BuildFailed)
            if name in RESERVED_LAYER_NAMES:
                raise reader.fail(f"a layer may not be called {name!r}")
            data = reader.load()
            types = reader.table(data, "types")
            launch, build, cache = (
                reader.boolean(types, k, "[types]") for k in ("launch", "build", "cache")
            )
            directory = layers_dir / name
            if not (launch or build or cache):
                if directory.is_dir():
                    ignored = layers_dir / f"{name}.ignore"
                    shutil.rmtree(ignored, ignore_errors=True)
                    directory.rename(ignored)
                continue
            if not directory.is_dir():
                if launch:
                    raise reader.fail(
                        f"layer {name!r} is a launch layer but {directory} does not exist",
                        hint="create the layer directory (gobuildpack does not reuse layers of "
                        "a previous image)",
                    )
                log.warn(f"{bp}: layer {name!r} has a {toml.name} but no directory; ignored")
                continue
            try:
                layer = Layer(
                    self.info,
                    name,
                    directory,
                    launch=launch,
                    build=build,
                    cache=cache,
                    metadata=dict(reader.table(data, "metadata")),
                )
            except ValueError as exc:
                raise reader.fail(str(exc)) from exc
            layer.env = LayerEnv.read(directory)
            if layer.env.ignored and launch:
                log.warn(
                    f"{bp}: layer {name!r}: process-specific launch env "
                    f"({', '.join(layer.env.ignored)}) is not supported and is ignored"
                )
            layers.append(layer)
        return layers
