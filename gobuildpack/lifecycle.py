"""The lifecycle: detect, build and export, in that order, each through the plugin hooks.

Each phase takes its collaborators as arguments and returns a value the next one consumes::

    detect(plugins, app)                      -> Detection (plan + group of buildpacks)
    build(plugins, app, detection, layers_dir) -> BuildOutcome (layers, processes, labels, env)
    assemble(plugins, app, plan, outcome)      -> ImageSpec
    export(plugins, app, image, output, exporter) -> ExportResult

Detection runs every buildpack's detect hook in group order, then resolves the CNB build plan
(:mod:`gobuildpack.resolve`): the group is the buildpacks that passed and whose requires and
provides line up. Build gives each buildpack the environment of the platform plus what earlier
buildpacks' ``build`` layers contributed (their ``bin/``... directories and env files, see
:mod:`gobuildpack.layerenv`), its Buildpack Plan, and its cache layers from the previous build
of the app (:mod:`gobuildpack.layercache`), which are saved again once the image is written.
"""

from __future__ import annotations

import json
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gobuildpack.errors import (
    BuildFailed,
    DetectFailed,
    OutputError,
    ToolchainError,
    UsageError,
)
from gobuildpack.exporters import Exporter
from gobuildpack.layercache import LayerCache
from gobuildpack.layerenv import (
    EnvSource,
    Scope,
    apply_buildpack,
    path_translator,
    rewrite_env_files,
)
from gobuildpack.model import (
    DEFAULT_PATH,
    LAYERS_ROOT,
    App,
    BuildContext,
    BuildPlan,
    BuildResult,
    DetectContext,
    DetectResult,
    ExportResult,
    ImageConfig,
    ImageSpec,
    Layer,
    PlanEntry,
    Process,
    Require,
)
from gobuildpack.oci.layer import FIXED_MTIME
from gobuildpack.oci.output import Output
from gobuildpack.plugins import PluginInfo, Plugins
from gobuildpack.resolve import Candidate, Unresolvable, resolve
from gobuildpack.toolchain import GoToolchain

BUILD_METADATA_LABEL = "io.buildpacks.build.metadata"
OCI_CREATED = "org.opencontainers.image.created"


@dataclass
class Detection:
    plan: BuildPlan
    group: list[PluginInfo]


@dataclass
class BuildOutcome:
    layers: list[Layer] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    launch_env: dict[str, str] = field(default_factory=dict)
    layers_dir: Path | None = None  # where the layers were built, to map paths into the image

    def image_paths(self) -> Callable[[str], str]:
        """Rewrite paths of this build's layers on this machine to their paths in the image."""
        mapping: list[tuple[Path, str]] = [(layer.path, layer.image_path) for layer in self.layers]
        if self.layers_dir is not None:
            mapping.append((self.layers_dir, LAYERS_ROOT))
        return path_translator(mapping)

    @property
    def default_process(self) -> Process | None:
        defaults = [p for p in self.processes if p.default]
        if defaults:
            return defaults[-1]
        return self.processes[0] if self.processes else None


@dataclass
class BuildReport:
    plan: BuildPlan
    outcome: BuildOutcome
    image: ExportResult
    created: datetime
    timings: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "image": self.image.to_json(),
            "created": self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "plan": self.plan.to_json(),
            "layers": [
                {"buildpack": layer.buildpack.id, "name": layer.name, "path": layer.image_path}
                for layer in self.outcome.layers
                if layer.launch
            ],
            "processes": [p.to_json() for p in self.outcome.processes],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "peak_rss_kib": peak_rss_kib(),
        }


def peak_rss_kib() -> int:
    """Peak resident memory of this process (not of go or buildah), in KiB.

    Linux's VmHWM, which starts afresh at exec; ``ru_maxrss`` would also count the parent's
    memory at the time it forked us. Elsewhere ``ru_maxrss`` is the best there is.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# -- detect ----------------------------------------------------------------------------------


def detect(plugins: Plugins, app: App) -> Detection:
    """Run every buildpack's detect hook in group order; return the plan and the passing group."""
    app.cache.ensure()
    plan = BuildPlan(app_dir=app.dir, platform=app.platform)
    toolchain: list[GoToolchain] = []

    def go() -> GoToolchain:
        if not toolchain:
            found = plugins.first("gobuildpack_go_toolchain", "detect", app=app)
            if found is None:
                raise ToolchainError(
                    "no plugin could provide a Go toolchain",
                    hint="install Go, or check plugins blocked with GOBUILDPACK_BLOCK_PLUGINS",
                )
            toolchain.append(found)
        return toolchain[0]

    passed: list[tuple[PluginInfo, DetectResult]] = []
    for info in plugins.buildpacks():
        assert info.buildpack is not None
        context = DetectContext(app=app, plan=plan, buildpack=info.buildpack, go=go)
        try:
            result = plugins.call_one(info, "gobuildpack_detect", "detect", context=context)
        except DetectFailed as exc:
            if not info.optional:
                raise
            app.log.warn(f"{info.buildpack.id} (optional) left out: {exc.render()}")
            continue
        if result is None:
            result = DetectResult()
        if not result.passed:
            if info.optional:
                app.log.info(f"{info.buildpack.id}: skipped ({result.reason or 'did not pass'})")
                continue
            raise DetectFailed(
                f"buildpack {info.buildpack.id} did not pass detection: "
                f"{result.reason or 'no reason given'}",
                hint=result.hint or "check the app against what the buildpack expects",
                details=result.details or None,
            )
        passed.append((info, result))
    group = _resolve_plan(app, plan, passed)
    return Detection(plan=plan, group=group)


def _resolve_plan(
    app: App, plan: BuildPlan, passed: list[tuple[PluginInfo, DetectResult]]
) -> list[PluginInfo]:
    """Resolve the build plan of the buildpacks that passed; fill in ``plan``; return the group."""
    candidates = []
    for info, result in passed:
        assert info.buildpack is not None
        candidates.append(Candidate(info.buildpack.id, info.optional, tuple(result.options())))
    try:
        resolution = resolve(candidates)
    except Unresolvable as exc:
        alternatives = (
            f" (none of the {exc.trials} combinations of [[or]] alternatives resolves either)"
            if exc.trials > 1
            else ""
        )
        raise DetectFailed(exc.problem.message() + alternatives, hint=exc.problem.hint()) from exc
    for index, why in resolution.dropped:
        app.log.info(f"{candidates[index].id}: skipped ({why})")
    group: list[PluginInfo] = []
    for index, option in resolution.chosen:
        info = passed[index][0]
        assert info.buildpack is not None
        plan.provides[info.buildpack.id] = list(option.provides)
        plan.requires[info.buildpack.id] = [r.name for r in option.requires]
        plan.buildpacks.append(info.buildpack)
        group.append(info)
    plan.entries = resolution.entries
    return group


# -- build -----------------------------------------------------------------------------------


def build(
    plugins: Plugins,
    app: App,
    detection: Detection,
    layers_dir: Path,
    *,
    cache: LayerCache | None = None,
) -> BuildOutcome:
    """Run every passing buildpack's build hook in group order; gather layers and processes.

    Each buildpack sees the build environment as the buildpacks before it left it, its Buildpack
    Plan (``context.entries``) and, with ``cache``, its cache layers from the previous build.
    """
    plan = detection.plan
    outcome = BuildOutcome(layers_dir=layers_dir)
    env = dict(app.env)
    remaining = [PlanEntry(e.name, list(e.providers), list(e.requires)) for e in plan.entries]
    plugins.call_all("gobuildpack_before_build", "build", app=app, plan=plan)
    for info in detection.group:
        bp = info.buildpack
        assert bp is not None
        bp_layers = layers_dir / bp.layers_dirname
        bp_layers.mkdir(parents=True, exist_ok=True)
        if cache is not None:
            restored = cache.restore(bp, bp_layers, app.log)
            if restored:
                app.log.info(f"{bp.id}: restored cache layers {', '.join(restored)}")
        entries: list[Require] = [
            require for e in remaining if bp.id in e.providers for require in e.requires
        ]
        context = BuildContext(
            app=app,
            plan=plan,
            buildpack=bp,
            layers_dir=bp_layers,
            env=dict(env),
            log=app.log,
            entries=entries,
        )
        result: BuildResult | None = plugins.call_one(
            info, "gobuildpack_build", "build", context=context
        )
        outcome.layers.extend(context.layers)
        unmet = set(result.unmet) if result is not None else set()
        stray = unmet - {e.name for e in entries}
        if stray:
            raise BuildFailed(
                f"buildpack {bp.id} reports {', '.join(sorted(stray))} unmet, which is not in "
                "its Buildpack Plan",
                hint="report as unmet only names from context.entries (build.toml [[unmet]])",
            )
        remaining = [e for e in remaining if bp.id not in e.providers or e.name in unmet]
        _apply_layers(env, [layer for layer in context.layers if layer.build], "build", app)
        if result is not None:
            for process in result.processes:
                process.buildpack_id = process.buildpack_id or bp.id
                outcome.processes = [p for p in outcome.processes if p.type != process.type]
                outcome.processes.append(process)
            outcome.labels.update(result.labels)
            outcome.launch_env.update(result.launch_env)
    to_image = outcome.image_paths()
    for layer in outcome.layers:
        # Env files go into the image and the cache as they would be under /layers: with the
        # image's paths, not this build's scratch directory (which would also spoil the digest).
        rewrite_env_files(layer.path, to_image)
    for process in outcome.processes:
        process.command = [to_image(c) for c in process.command]
        process.args = [to_image(a) for a in process.args]
        if process.working_dir:
            process.working_dir = to_image(process.working_dir)
    plugins.call_all("gobuildpack_after_build", "build", app=app, plan=plan, layers=outcome.layers)
    return outcome


def _apply_layers(
    env: dict[str, str],
    layers: list[Layer],
    scope: Scope,
    app: App,
    translate: Callable[[str], str] | None = None,
) -> None:
    """Apply layers' root directories and env files to ``env``, one buildpack at a time."""
    by_buildpack: dict[str, list[Layer]] = {}
    for layer in layers:
        by_buildpack.setdefault(layer.buildpack.id, []).append(layer)
    for buildpack_id, group in by_buildpack.items():
        sources = [
            EnvSource(
                name=layer.name,
                host_dir=layer.path,
                env_dir=str(layer.path) if scope == "build" else layer.image_path.rstrip("/"),
                env=layer.env,
            )
            for layer in group
        ]
        unknown = apply_buildpack(env, sources, scope, translate=translate)
        if unknown:
            app.log.warn(
                f"{buildpack_id}: env files with an unknown suffix are ignored: "
                f"{', '.join(unknown)} (use .override, .default, .prepend, .append or .delim)"
            )


# -- export ----------------------------------------------------------------------------------


def creation_time(app: App, option: str | None) -> datetime:
    """The image's ``created`` time, reproducible unless asked otherwise.

    ``--creation-time now|EPOCH`` wins; then ``SOURCE_DATE_EPOCH``; then the time of the last git
    commit that touched the app; else 1980-01-01T00:00:01Z.
    """
    if option == "now":
        return datetime.now(timezone.utc).replace(microsecond=0)
    if option is not None:
        return _from_epoch(option, "--creation-time")
    if app.env.get("SOURCE_DATE_EPOCH"):
        return _from_epoch(app.env["SOURCE_DATE_EPOCH"], "SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(app.git.commit_time or FIXED_MTIME, timezone.utc)


def _from_epoch(value: str, source: str) -> datetime:
    if not value.isdigit():
        raise UsageError(
            f"{source} must be whole seconds since 1970 (or `now`, for --creation-time), "
            f"not {value!r}",
            hint="e.g. --creation-time now, or SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)",
        )
    return datetime.fromtimestamp(int(value), timezone.utc)


def assemble(
    plugins: Plugins,
    app: App,
    detection: Detection,
    outcome: BuildOutcome,
    created: datetime,
) -> ImageSpec:
    """Turn the build's outcome into an image spec: entrypoint, PATH, labels, then plugins."""
    plan = detection.plan
    launch = [layer for layer in outcome.layers if layer.launch]
    config = ImageConfig()
    default = outcome.default_process
    if default is not None:
        config.entrypoint = list(default.command)
        config.cmd = list(default.args)
        if default.working_dir:
            config.working_dir = default.working_dir
    env = {"PATH": DEFAULT_PATH}
    _apply_layers(env, launch, "launch", app, translate=outcome.image_paths())
    config.env.update(env)
    config.env.update(outcome.launch_env)
    metadata = {
        "buildpacks": [
            {"id": info.buildpack.id, "version": info.buildpack.version}
            for info in detection.group
            if info.buildpack is not None
        ],
        "processes": [p.to_json() for p in outcome.processes],
        "launcher": {},
    }
    config.labels[BUILD_METADATA_LABEL] = json.dumps(metadata, sort_keys=True)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    config.labels[OCI_CREATED] = stamp
    config.annotations[OCI_CREATED] = stamp
    config.labels.update(outcome.labels)
    plugins.call_all("gobuildpack_configure_image", "export", image=config, plan=plan, app=app)
    return ImageSpec(layers=launch, config=config, created=created, platform=plan.platform)


def choose_exporter(plugins: Plugins, app: App, name: str) -> Exporter:
    """The exporter backend called ``name``: asked for before anything is built, so a missing
    program or an unknown name is reported at once."""
    exporter: Exporter | None = plugins.first("gobuildpack_exporter", "export", name=name, app=app)
    if exporter is None:
        raise UsageError(f"no exporter called {name!r} is available")
    return exporter


def export(
    plugins: Plugins, app: App, image: ImageSpec, output: Output, exporter: Exporter
) -> ExportResult:
    app.log.info(f"exporter: {exporter.name}")
    try:
        result: ExportResult = exporter.export(image, output, app.log)
    except OSError as exc:
        raise OutputError(
            f"writing the image to {output} failed: {exc}",
            hint="check that the output location is writable and has free space; "
            "the previous image there, if any, is unchanged",
        ) from exc
    plugins.call_all("gobuildpack_after_export", "export", app=app, result=result)
    return result


# -- all together ----------------------------------------------------------------------------


def run_build(
    plugins: Plugins,
    app: App,
    output: Output,
    *,
    exporter: str = "auto",
    creation_time_option: str | None = None,
) -> BuildReport:
    """detect → build → export, with timings; scratch space is removed whatever happens."""
    output.check_writable()
    created = creation_time(app, creation_time_option)
    backend = choose_exporter(plugins, app, exporter)
    timings: dict[str, float] = {}
    start = time.monotonic()
    app.log.phase("detecting")
    detection = detect(plugins, app)
    timings["detect"] = time.monotonic() - start
    for bp in detection.plan.buildpacks:
        app.log.info(f"{bp.id} {bp.version}")
    work = app.cache.new_work_dir("build-")
    layer_cache = LayerCache.for_app(app)
    try:
        app.log.phase("building")
        mark = time.monotonic()
        outcome = build(plugins, app, detection, work / "layers", cache=layer_cache)
        timings["build"] = time.monotonic() - mark
        app.log.phase("exporting")
        mark = time.monotonic()
        image = assemble(plugins, app, detection, outcome, created)
        result = export(plugins, app, image, output, backend)
        timings["export"] = time.monotonic() - mark
        kept = layer_cache.save(outcome.layers, app.log)
        if kept:
            names = ", ".join(f"{layer.buildpack.id}/{layer.name}" for layer in kept)
            app.log.info(f"cached for the next build: {names}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    timings["total"] = time.monotonic() - start
    app.log.info(f"wrote {result.reference} ({result.digest}) in {timings['total']:.2f}s")
    return BuildReport(detection.plan, outcome, result, created, timings)
