"""The lifecycle: detect, build and export, in that order, each through the plugin hooks.

Each phase takes its collaborators as arguments and returns a value the next one consumes::

    detect(plugins, app)                      -> Detection (plan + group of buildpacks)
    build(plugins, app, detection, layers_dir) -> BuildOutcome (layers, processes, labels, env)
    assemble(plugins, app, plan, outcome)      -> ImageSpec
    export(plugins, app, image, output, name)  -> ExportResult
"""

from __future__ import annotations

import json
import resource
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from gobuildpack.errors import DetectFailed, OutputError, ToolchainError, UsageError
from gobuildpack.model import (
    DEFAULT_PATH,
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
    Process,
)
from gobuildpack.oci.layer import FIXED_MTIME
from gobuildpack.oci.output import Output
from gobuildpack.plugins import PluginInfo, Plugins
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
            # Peak resident memory of this process (not of go or buildah), in KiB.
            "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }


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

    group: list[PluginInfo] = []
    for info in plugins.buildpacks():
        assert info.buildpack is not None
        context = DetectContext(app=app, plan=plan, buildpack=info.buildpack, go=go)
        result = plugins.call_one(info, "gobuildpack_detect", "detect", context=context)
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
            )
        plan.provides[info.buildpack.id] = list(result.provides)
        plan.requires[info.buildpack.id] = list(result.requires)
        group.append(info)
        plan.buildpacks.append(info.buildpack)
    _check_requires(plan)
    return Detection(plan=plan, group=group)


def _check_requires(plan: BuildPlan) -> None:
    """Every requirement must be provided by a buildpack in the group (CNB plan resolution)."""
    provided = {name for names in plan.provides.values() for name in names}
    for buildpack_id, names in plan.requires.items():
        missing = [n for n in names if n not in provided]
        if missing:
            raise DetectFailed(
                f"buildpack {buildpack_id} requires {', '.join(missing)}, "
                "which no buildpack in the group provides",
                hint="add a buildpack that provides it, or remove the one that requires it",
            )


# -- build -----------------------------------------------------------------------------------


def build(plugins: Plugins, app: App, detection: Detection, layers_dir: Path) -> BuildOutcome:
    """Run every passing buildpack's build hook in group order; gather layers and processes."""
    plan = detection.plan
    outcome = BuildOutcome()
    plugins.call_all("gobuildpack_before_build", "build", app=app, plan=plan)
    for info in detection.group:
        assert info.buildpack is not None
        context = BuildContext(
            app=app,
            plan=plan,
            buildpack=info.buildpack,
            layers_dir=layers_dir / info.buildpack.layers_dirname,
            env=dict(app.env),
            log=app.log,
        )
        context.layers_dir.mkdir(parents=True, exist_ok=True)
        result: BuildResult | None = plugins.call_one(
            info, "gobuildpack_build", "build", context=context
        )
        outcome.layers.extend(context.layers)
        if result is not None:
            for process in result.processes:
                process.buildpack_id = process.buildpack_id or info.buildpack.id
                outcome.processes = [p for p in outcome.processes if p.type != process.type]
                outcome.processes.append(process)
            outcome.labels.update(result.labels)
            outcome.launch_env.update(result.launch_env)
    plugins.call_all("gobuildpack_after_build", "build", app=app, plan=plan, layers=outcome.layers)
    return outcome


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
    bins = [f"{layer.image_path}/bin" for layer in launch if (layer.path / "bin").is_dir()]
    config.env["PATH"] = ":".join([*bins, DEFAULT_PATH])
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


def export(
    plugins: Plugins, app: App, image: ImageSpec, output: Output, exporter_name: str
) -> ExportResult:
    exporter = plugins.first("gobuildpack_exporter", "export", name=exporter_name, app=app)
    if exporter is None:
        raise UsageError(f"no exporter called {exporter_name!r} is available")
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
    timings: dict[str, float] = {}
    start = time.monotonic()
    app.log.phase("detecting")
    detection = detect(plugins, app)
    timings["detect"] = time.monotonic() - start
    for bp in detection.plan.buildpacks:
        app.log.info(f"{bp.id} {bp.version}")
    work = app.cache.new_work_dir("build-")
    try:
        app.log.phase("building")
        mark = time.monotonic()
        outcome = build(plugins, app, detection, work / "layers")
        timings["build"] = time.monotonic() - mark
        app.log.phase("exporting")
        mark = time.monotonic()
        image = assemble(plugins, app, detection, outcome, created)
        result = export(plugins, app, image, output, exporter)
        timings["export"] = time.monotonic() - mark
    finally:
        shutil.rmtree(work, ignore_errors=True)
    timings["total"] = time.monotonic() - start
    app.log.info(f"wrote {result.reference} ({result.digest}) in {timings['total']:.2f}s")
    return BuildReport(detection.plan, outcome, result, created, timings)
