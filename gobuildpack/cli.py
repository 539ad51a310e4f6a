"""The command line: ``gobuildpack build|detect|plugins``.

stdout carries results (the image reference and digest, the plan); progress goes to stderr.
Errors print one paragraph and exit with their class's code (see :mod:`gobuildpack.errors`).
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host_platform
import re
import shlex
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from gobuildpack import __version__, uptodate
from gobuildpack.cache import CacheDirs
from gobuildpack.errors import EXIT_INTERRUPTED, GobuildpackError, UsageError
from gobuildpack.log import Log
from gobuildpack.oci.output import Output, parse_output

if TYPE_CHECKING:
    from gobuildpack.model import App, BuildPlan
    from gobuildpack.plugins import Plugins
    from gobuildpack.project import Project

# The modules behind a full build (model, lifecycle, plugins, the go.mod parser...) are imported
# when a command needs them, not here: an up-to-date `gobuildpack build` needs none of them, and
# importing them would be most of its cost.

_MACHINE_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message, hint=f"see `{self.prog} --help`")


def _buildpack_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument(
        "--buildpack", "-b", action="append", default=[], type=Path, metavar="PATH", help=help
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gobuildpack",
        description="Turn a Go project into a runnable OCI image, no Dockerfile needed.",
    )
    parser.add_argument("--version", action="version", version=f"gobuildpack {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("path", nargs="?", default=".", help="the Go project (default: .)")
        p.add_argument(
            "--env",
            "-e",
            action="append",
            default=[],
            metavar="KEY[=VALUE]",
            help="set a build variable (BP_GO_TARGETS, BP_GO_BUILD_FLAGS, ...); "
            "KEY alone takes it from the environment",
        )
        _buildpack_option(
            p,
            "load a plugin (after the built-ins and project.toml's buildpacks): a CNB "
            "buildpack directory (buildpack.toml, bin/detect, bin/build) or a Python plugin "
            "file or directory",
        )
        p.add_argument(
            "--platform",
            default=None,
            help="OS/ARCH of the image (default: linux/<this machine's architecture>)",
        )
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")

    build = sub.add_parser("build", help="detect, build and export an image")
    common(build)
    build.add_argument(
        "--output",
        "-o",
        default=None,
        metavar="REF",
        help="oci:DIR[:TAG], oci-archive:FILE[:TAG] or containers-storage:NAME[:TAG] "
        "(default: containers-storage:localhost/<app name>:latest)",
    )
    build.add_argument(
        "--exporter",
        default="auto",
        help="exporter backend: buildah (Buildah, via subprocess), native (pure Python, no "
        "external tool; containers-storage: output goes through skopeo), or auto (default: "
        "buildah when it is installed, else native)",
    )
    build.add_argument(
        "--rebuild",
        action="store_true",
        help="build even when nothing the last build of this app to this output read has "
        "changed (by default such a build is skipped, and its result printed again)",
    )
    build.add_argument(
        "--creation-time",
        default=None,
        metavar="now|EPOCH",
        help="image creation time (default: SOURCE_DATE_EPOCH, else the app's last git commit, "
        "else 1980-01-01)",
    )

    det = sub.add_parser("detect", help="print the build plan without building")
    common(det)

    plugins = sub.add_parser("plugins", help="list the loaded plugins and their hooks")
    _buildpack_option(plugins, "also load this plugin or CNB buildpack directory")
    plugins.add_argument("--json", action="store_true")
    return parser


def _parse_env(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not key:
            raise UsageError(f"--env {item!r} has no name", hint="write --env KEY=VALUE")
        if not sep:
            if key not in os.environ:
                raise UsageError(
                    f"--env {key} takes its value from the environment, but {key} is not set",
                    hint=f"write --env {key}=VALUE, or export {key}",
                )
            value = os.environ[key]
        out[key] = value
    return out


def _platform_text(args: argparse.Namespace) -> str:
    if args.platform:
        return str(args.platform)
    machine = host_platform.machine().lower()
    return f"linux/{_MACHINE_ARCH.get(machine, machine)}"


def _default_output(app_dir: Path) -> Output:
    name = re.sub(r"[^a-z0-9._-]+", "-", app_dir.resolve().name.lower()).strip("-._") or "app"
    return parse_output(f"containers-storage:localhost/{name}:latest")


def _app_dir(args: argparse.Namespace) -> Path:
    app_dir = Path(args.path)
    if not app_dir.is_dir():
        raise UsageError(
            f"{app_dir} is not a directory",
            hint="give the directory that holds your go.mod, e.g. `gobuildpack build ./myapp`",
        )
    return app_dir.resolve()


def _make_app(
    args: argparse.Namespace, log: Log, written: tuple[Path, ...] = ()
) -> tuple[App, Project]:
    """The app and its project.toml; build variables: environment < project.toml < --env."""
    from gobuildpack.model import App, Platform
    from gobuildpack.project import read_project

    app_dir = _app_dir(args)
    project = read_project(app_dir)
    user_env = dict(project.build_env)
    user_env.update(_parse_env(args.env))
    env = dict(os.environ)
    env.update(user_env)
    app = App(
        dir=app_dir,
        env=env,
        cache=CacheDirs.from_env(env),
        log=log,
        platform=Platform.parse(_platform_text(args)),
        user_env=user_env,
        written=written,
    )
    return app, project


def _print_plan(plan: BuildPlan, out: TextIO) -> None:
    rows: list[tuple[str, str]] = [("app", str(plan.app_dir)), ("module", plan.module or "-")]
    wanted = plan.go_wanted or "any"
    found = f"go{plan.go.version} ({plan.go.go})" if plan.go else "-"
    rows.append(("go", f"{wanted} wanted, using {found}"))
    if plan.toolchain_wanted:
        rows.append(("toolchain", f"{plan.toolchain_wanted} preferred by go.mod"))
    rows.append(("dependencies", plan.dependency_mode))
    rows.append(("platform", str(plan.platform)))
    for i, target in enumerate(plan.targets):
        rows.append(("targets" if i == 0 else "", f"{target.path} -> {target.name}"))
    for i, proc in enumerate(plan.processes):
        mark = " (default)" if proc.default else ""
        rows.append(
            ("processes" if i == 0 else "", f"{proc.type}{mark}: {shlex.join(proc.command)}")
        )
    flags = [*plan.build_flags, f"-ldflags={plan.ldflags}"]
    rows.append(("build flags", shlex.join(flags)))
    for i, bp in enumerate(plan.buildpacks):
        rows.append(("buildpacks" if i == 0 else "", f"{bp.id} {bp.version}"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        out.write(f"{key:<{width}}  {value}\n")


def _written_paths(app_dir: Path, output: Output) -> tuple[Path, ...]:
    """The output, when it lies inside the app directory (it is written, not read)."""
    if output.transport == "containers-storage":
        return ()
    path = output.path.absolute()
    return (path,) if app_dir == path or app_dir in path.parents else ()


def _canonical(output: Output) -> dict[str, str]:
    target = output.target
    if output.transport != "containers-storage":
        target = str(output.path.absolute())
    return {"transport": output.transport, "target": target, "tag": output.tag}


def _print_result(args: argparse.Namespace, report: dict[str, object]) -> None:
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        image = report["image"]
        assert isinstance(image, dict)
        print(f"{image['reference']} {image['digest']}")


def _cmd_build(args: argparse.Namespace, log: Log) -> int:
    app_dir = _app_dir(args)
    output = parse_output(args.output) if args.output else _default_output(app_dir)
    env = dict(os.environ)
    env.update(_parse_env(args.env))  # project.toml's build env is read with the app's files
    canonical = _canonical(output)
    written = _written_paths(app_dir, output)
    request = uptodate.Request(
        app_dir=app_dir,
        output=":".join(canonical.values()),
        exporter=args.exporter,
        platform=_platform_text(args),
        creation_time=args.creation_time,
        env=env,
        buildpacks=args.buildpack,
        cache_root=CacheDirs.from_env(env).root,
        written=written,
    )
    if not args.rebuild:
        record = uptodate.check(request)
        if record is not None:
            log.phase("up to date")
            log.info(f"nothing this build reads has changed since {output} was written")
            _print_result(args, {**record["report"], "up_to_date": True})
            return 0
    return _full_build(args, log, request, output, canonical, written)


def _full_build(
    args: argparse.Namespace,
    log: Log,
    request: uptodate.Request,
    output: Output,
    canonical: dict[str, str],
    written: tuple[Path, ...],
) -> int:
    from gobuildpack.lifecycle import run_build
    from gobuildpack.plugins import load_plugins

    app, project = _make_app(args, log, written)
    try:
        local = [str(p) for p in app.local_module_dirs]
        before = uptodate.inputs(request, local)
    except GobuildpackError:
        local, before = [], None  # the build reports what is wrong with go.mod or go.work
    plugins = load_plugins(app.env, paths=args.buildpack, project=project)
    report = run_build(
        plugins,
        app,
        output,
        exporter=args.exporter,
        creation_time_option=args.creation_time,
    ).to_json()
    uptodate.save(request, before, local, canonical, report)
    _print_result(args, report)
    return 0


def _cmd_detect(args: argparse.Namespace, log: Log) -> int:
    from gobuildpack.lifecycle import detect
    from gobuildpack.plugins import load_plugins

    app, project = _make_app(args, log)
    plugins = load_plugins(app.env, paths=args.buildpack, project=project)
    detection = detect(plugins, app)
    if args.json:
        print(json.dumps(detection.plan.to_json(), indent=2))
    else:
        _print_plan(detection.plan, sys.stdout)
    return 0


def _cmd_plugins(args: argparse.Namespace, log: Log) -> int:
    from gobuildpack.plugins import load_plugins

    plugins: Plugins = load_plugins(os.environ, paths=args.buildpack)
    if args.json:
        print(json.dumps([info.to_json() for info in plugins.infos], indent=2))
        return 0
    for info in plugins.infos:
        if info.buildpack is None:
            kind = "plugin"
        elif info.kind == "exec":
            kind = f"CNB exec buildpack {info.buildpack.id}"
        else:
            kind = f"buildpack {info.buildpack.id}"
        print(f"{info.name} {info.version} ({info.source}, {kind})")
        print(f"    from  {info.location}")
        print(f"    hooks {', '.join(info.hooks)}")
    return 0


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    log = Log()
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if in_main_thread else None
    if previous is signal.SIG_DFL:
        # Unwind on SIGTERM as on ^C, so scratch files and staging layouts are removed.
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        args = _parser().parse_args(argv)
        log.quiet = bool(getattr(args, "quiet", False))
        commands = {"build": _cmd_build, "detect": _cmd_detect, "plugins": _cmd_plugins}
        return commands[args.command](args, log)
    except GobuildpackError as exc:
        if os.environ.get("GOBUILDPACK_DEBUG"):
            traceback.print_exc(file=sys.stderr)
        print(f"gobuildpack: {exc.render()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gobuildpack: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
