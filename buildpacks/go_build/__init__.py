"""gobuildpack/go-build: find the main packages and compile them into static binaries.

Targets: ``BP_GO_TARGETS`` (``:``-separated paths, e.g. ``./cmd/api:./cmd/worker``; a path ending
in ``/...`` means every main package below it) or, by default, ``.`` when the app root is a main
package, else every main package under ``./cmd``. Packages are found by the Go toolchain itself
(``go list``), never by reading source files here.

Flags: ``-trimpath``, ``-mod=readonly`` (``-mod=vendor`` when vendoring) and ``-ldflags=-s -w``
by default; ``BP_GO_BUILD_FLAGS`` adds flags (``$VAR`` expanded) and may set ``-ldflags``,
which ``BP_GO_BUILD_LDFLAGS`` in turn overrides. Binaries are static (``CGO_ENABLED=0``).

Each target becomes one binary in the launch layer ``targets`` (``bin/<name>``) and one process
of the same name; the first is the default.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gobuildpack import fingerprint, hookimpl
from gobuildpack.errors import BuildFailed, CommandFailed, DetectFailed, NoMainPackage
from gobuildpack.model import (
    LAYERS_ROOT,
    App,
    BuildContext,
    BuildPlan,
    BuildResult,
    DetectContext,
    DetectResult,
    Process,
    Target,
    go_environ,
)

LAYER = "targets"
DEFAULT_LDFLAGS = "-s -w"
_MAJOR_SUFFIX = re.compile(r"^v[0-9]+$")
_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


@dataclass(frozen=True)
class Package:
    import_path: str
    name: str
    dir: Path
    error: str


def exec_name(import_path: str) -> str:
    """The binary name go gives a main package: its last path element, skipping a /vN suffix."""
    elems = import_path.rstrip("/").split("/")
    if len(elems) > 1 and _MAJOR_SUFFIX.match(elems[-1]):
        return elems[-2]
    return elems[-1]


def list_packages(app: App, plan: BuildPlan) -> list[Package]:
    """Every package under the app directory, as ``go list -find`` reports it."""
    assert plan.go is not None
    env = go_environ(app, plan, app.env)
    args = ["list", "-e", "-find", "-json=ImportPath,Name,Dir,Error"]
    args += mod_flag(plan)
    args.append("./...")
    try:
        result = plan.go.run(args, cwd=app.dir, env=env)
    except CommandFailed as exc:
        raise DetectFailed(
            f"`go list` could not load the packages of {app.dir}",
            hint="run `go list ./...` in the app directory and fix what it reports",
            details=exc.output,
        ) from exc
    decoder = json.JSONDecoder()
    text, pos, packages = result.stdout, 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        obj, pos = decoder.raw_decode(text, pos)
        error = obj.get("Error") or {}
        packages.append(
            Package(
                import_path=obj.get("ImportPath", ""),
                name=obj.get("Name", ""),
                dir=Path(obj.get("Dir", "")),
                error=str(error.get("Err", "")) if isinstance(error, dict) else str(error),
            )
        )
    return packages


def mod_flag(plan: BuildPlan) -> list[str]:
    if plan.dependency_mode == "vendor":
        return ["-mod=vendor"]
    return ["-mod=readonly"]


def _relative(app_dir: Path, directory: Path) -> str:
    try:
        rel = directory.resolve().relative_to(app_dir.resolve())
    except ValueError:
        return str(directory)
    return "." if str(rel) == "." else f"./{rel.as_posix()}"


def _to_target(app_dir: Path, pkg: Package) -> Target:
    return Target(_relative(app_dir, pkg.dir), pkg.import_path, exec_name(pkg.import_path), pkg.dir)


def choose_targets(app: App, packages: list[Package]) -> list[Target]:
    app_dir = app.dir.resolve()
    mains = [p for p in packages if p.name == "main"]
    by_dir = {p.dir.resolve(): p for p in packages}
    requested = app.env.get("BP_GO_TARGETS", "").strip()
    if requested:
        targets: list[Target] = []
        for raw in (t.strip() for t in requested.split(":")):
            if not raw:
                continue
            if raw.endswith("/..."):
                root = (app_dir / raw[: -len("/...")]).resolve()
                found = [
                    p for p in mains if p.dir.resolve() == root or root in p.dir.resolve().parents
                ]
                if not found:
                    raise NoMainPackage(
                        f"BP_GO_TARGETS names {raw}, but there is no main package below it",
                        hint="point BP_GO_TARGETS at directories holding `package main`",
                    )
                targets += [_to_target(app_dir, p) for p in sorted(found, key=lambda p: p.dir)]
                continue
            directory = (app_dir / raw).resolve()
            pkg = by_dir.get(directory)
            if pkg is None:
                raise NoMainPackage(
                    f"BP_GO_TARGETS names {raw}, but {directory} holds no Go package",
                    hint="give paths relative to the app directory, e.g. ./cmd/api, "
                    "separated by ':'",
                )
            if pkg.name != "main":
                raise NoMainPackage(
                    f"BP_GO_TARGETS names {raw}, which is package {pkg.name}, not a main package",
                    hint="name only directories that hold `package main`",
                )
            targets.append(_to_target(app_dir, pkg))
        return targets

    at_root = by_dir.get(app_dir)
    if at_root is not None and at_root.name == "main":
        return [_to_target(app_dir, at_root)]
    cmd = app_dir / "cmd"
    under_cmd = sorted((p for p in mains if cmd in p.dir.resolve().parents), key=lambda p: p.dir)
    if under_cmd:
        return [_to_target(app_dir, p) for p in under_cmd]
    elsewhere = ", ".join(_relative(app_dir, p.dir) for p in mains)
    if elsewhere:
        hint = f"main packages found at {elsewhere}: choose with BP_GO_TARGETS=<path>[:<path>...]"
    else:
        hint = "add a `package main` with a main function at the root or under ./cmd/<name>"
    raise NoMainPackage(
        f"no main package to build in {app.dir}: neither . nor ./cmd/... holds `package main`",
        hint=hint,
    )


def _expand(text: str, env: Mapping[str, str]) -> str:
    return _VAR.sub(lambda m: env.get(m.group(1) or m.group(2), ""), text)


def build_flags(env: Mapping[str, str], plan: BuildPlan) -> tuple[list[str], str]:
    """The go build flags and the -ldflags value, from defaults and the BP_GO_* variables."""
    raw = env.get("BP_GO_BUILD_FLAGS", "")
    try:
        words = [_expand(w, env) for w in shlex.split(raw)]
    except ValueError as exc:
        raise DetectFailed(
            f"BP_GO_BUILD_FLAGS cannot be split into words: {exc}",
            hint="quote values with spaces, e.g. BP_GO_BUILD_FLAGS='-ldflags=\"-X main.v=1\"'",
        ) from exc
    flags: list[str] = []
    ldflags: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        bare = word.lstrip("-")
        if bare == "ldflags" and word.startswith("-"):
            ldflags = words[i + 1] if i + 1 < len(words) else ""
            i += 2
            continue
        if bare.startswith("ldflags=") and word.startswith("-"):
            ldflags = bare[len("ldflags=") :]
            i += 1
            continue
        flags.append(word)
        i += 1
    override = env.get("BP_GO_BUILD_LDFLAGS")
    if override is not None and override.strip():
        ldflags = _expand(override, env)
    names = {w.lstrip("-").split("=", 1)[0] for w in flags if w.startswith("-")}
    defaults = []
    if "trimpath" not in names:
        defaults.append("-trimpath")
    if "mod" not in names:
        defaults += mod_flag(plan)
    if "buildvcs" not in names and shutil.which("git", path=env.get("PATH")) is None:
        defaults.append("-buildvcs=false")  # without git, go cannot stamp VCS info and fails
    return defaults + flags, DEFAULT_LDFLAGS if ldflags is None else ldflags


def _binary_path(buildpack_dir: str, name: str) -> str:
    return f"{LAYERS_ROOT}/{buildpack_dir}/{LAYER}/bin/{name}"


@hookimpl
def gobuildpack_detect(context: DetectContext) -> DetectResult:
    app, plan = context.app, context.plan
    if plan.go is None:
        plan.go = context.go()
    targets = choose_targets(app, list_packages(app, plan))
    seen: dict[str, Target] = {}
    for target in targets:
        if target.name in seen:
            raise DetectFailed(
                f"targets {seen[target.name].path} and {target.path} would both build a binary "
                f"named {target.name!r}",
                hint="build only one of them (BP_GO_TARGETS), or rename a directory",
            )
        seen[target.name] = target
    plan.targets = targets
    plan.build_flags, plan.ldflags = build_flags(app.env, plan)
    bp_dir = context.buildpack.layers_dirname
    plan.processes = [
        Process(
            type=t.name,
            command=[_binary_path(bp_dir, t.name)],
            default=(i == 0),
            buildpack_id=context.buildpack.id,
        )
        for i, t in enumerate(targets)
    ]
    return DetectResult(requires=["go", "go-modules"])


def build_inputs(app: App, plan: BuildPlan, args: list[str], env: Mapping[str, str]) -> str:
    """A fingerprint of everything ``go build`` reads: sources, local modules, git state (go stamps
    it into the binary), the go environment, flags, targets and the toolchain itself."""
    assert plan.go is not None
    return fingerprint.digest(
        {
            "tree": fingerprint.tree(app.dir, exclude=app.written),
            "local": {str(p): fingerprint.tree(p) for p in app.local_module_dirs},
            "git": fingerprint.git_state(app.dir, env),
            "env": fingerprint.environment(env),
            "args": args,
            "go": [str(plan.go.version), fingerprint.files([plan.go.go])],
        }
    )


def _drop_damaged(bin_dir: Path, metadata: Mapping[str, object]) -> bool:
    """Check every binary the last build recorded against its sha256; delete the ones that do
    not match (go would trust their build IDs and keep them). True when all were intact."""
    recorded = metadata.get("binaries")
    if not isinstance(recorded, dict) or not recorded:
        return False
    intact = True
    for name, digest in recorded.items():
        path = bin_dir / str(name)
        if path.is_file() and fingerprint.file_sha256(path) != digest:
            path.unlink()
        if not path.is_file():
            intact = False
    return intact


@hookimpl
def gobuildpack_build(context: BuildContext) -> BuildResult:
    app, plan = context.app, context.plan
    assert plan.go is not None
    # The binaries are built into a cache layer, kept for the next build so go can tell they are
    # current (and we can skip go altogether when nothing it reads has changed)...
    cache = context.layer(LAYER, cache=True)
    bin_dir = cache.path / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    wanted = {t.name for t in plan.targets}
    for stale in bin_dir.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    args = ["build", "-o", f"{bin_dir}/", *plan.build_flags, f"-ldflags={plan.ldflags}"]
    args += [t.path for t in plan.targets]
    env = go_environ(app, plan, context.env)
    names = ", ".join(t.name for t in plan.targets)
    inputs = build_inputs(app, plan, args[3:], env)  # not the -o path: it changes every build
    intact = _drop_damaged(bin_dir, cache.metadata)
    if intact and cache.metadata.get("inputs") == inputs:
        context.log.info(f"go build ({names}): up to date, nothing go reads has changed")
    else:
        with context.log.step(f"go build ({names})"):
            try:
                plan.go.run(args, cwd=app.dir, env=env)
            except CommandFailed as exc:
                raise BuildFailed(
                    f"go build failed for {', '.join(t.path for t in plan.targets)}",
                    hint="fix the errors go reports below, then build again",
                    details=exc.output,
                ) from exc
        # Skipped, the recorded digests were just checked and still hold: hash only new output.
        cache.metadata["binaries"] = {
            t.name: fingerprint.file_sha256(bin_dir / t.name)
            for t in plan.targets
            if (bin_dir / t.name).is_file()
        }
    cache.metadata["inputs"] = inputs
    cache.metadata["targets"] = [t.to_json() for t in plan.targets]
    # ...and each binary is exported in a launch layer of its own, so a change to one binary
    # changes one image layer. They all sit in /layers/<this buildpack>/targets/bin.
    image_path = f"{LAYERS_ROOT}/{context.buildpack.layers_dirname}/{LAYER}"
    for target in plan.targets:
        binary = bin_dir / target.name
        if not binary.is_file():
            raise BuildFailed(
                f"go build reported success but wrote no binary {target.name} for {target.path}"
            )
        layer = context.layer(f"{LAYER}.{target.name}", launch=True, image_path=image_path)
        (layer.path / "bin").mkdir(exist_ok=True)
        os.link(binary, layer.path / "bin" / target.name)  # a hard link: no copy
        layer.metadata["target"] = target.to_json()
    return BuildResult(processes=[Process(**vars(p)) for p in plan.processes])
