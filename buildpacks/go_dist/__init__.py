"""gobuildpack/go-dist: find the Go toolchain and check it is new enough for the project.

The toolchain is ``$GOBUILDPACK_GO`` or ``go`` on PATH (answered last, so a plugin can provide
another). It must satisfy the ``go`` line of go.work (in workspace mode) or go.mod, and
``BP_GO_VERSION`` when set (``1.22``, ``1.22.*`` or ``1.22.3``). A newer ``toolchain`` line only
warns: it is Go's own preference, not a requirement, and we never switch toolchains behind the
user's back (builds run with ``GOTOOLCHAIN=local``).

Build: a ``build`` layer ``go`` whose env puts that toolchain's directory first on ``PATH`` and
sets ``GOTOOLCHAIN=local`` for every later buildpack, so an exec buildpack that runs ``go``
gets the same Go the built-ins use.
"""

from __future__ import annotations

from pathlib import Path

from gobuildpack import hookimpl
from gobuildpack.errors import NotAGoProject, ProjectFileError, ToolchainError
from gobuildpack.gomod import GoVersion, declared_go_version, toolchain_version
from gobuildpack.model import App, BuildContext, DetectContext, DetectResult
from gobuildpack.toolchain import GO_INSTALL_HINT, GoToolchain, find_toolchain


@hookimpl(trylast=True)
def gobuildpack_go_toolchain(app: App) -> GoToolchain:
    return find_toolchain(app.env)


def _not_a_go_project(app_dir: Path) -> NotAGoProject:
    hint = f"run `go mod init <module path>` in {app_dir}, or point gobuildpack at a Go module"
    for parent in app_dir.resolve().parents:
        if (parent / "go.mod").is_file():
            hint = (
                f"{parent} holds the go.mod: build that directory and pick this package with "
                f"BP_GO_TARGETS=./{app_dir.resolve().relative_to(parent)}"
            )
            break
    return NotAGoProject(f"{app_dir} is not a Go project: it has no go.mod", hint=hint)


def _matches_constraint(version: GoVersion, constraint: str) -> bool:
    text = constraint.strip().removeprefix("go").rstrip(".*").rstrip(".x")
    parts = text.split(".")
    if len(parts) == 3:
        return str(version) == text or version == GoVersion.parse(text)
    return (version.major, version.minor) == tuple(int(p) for p in [*parts, "0"][:2])


def _too_old(go: GoToolchain, file: Path, wanted: str, line: int | None) -> ToolchainError:
    return ToolchainError(
        f"{file.name} asks for go {wanted} or newer, but the toolchain at {go.go} is "
        f"go{go.version}",
        file=file,
        line=line,
        hint=f"install Go {wanted} or newer ({GO_INSTALL_HINT}); "
        "or, if the project really works with older Go, lower its go line",
    )


def _check_loosely(context: DetectContext, error: ProjectFileError) -> None:
    """A file Go would read loosely: if it needs a newer Go, say that rather than the syntax.

    A go.mod written for a newer Go may use directives this parser does not know yet.
    """
    if error.file is None or not error.file.is_file():
        return
    declared = declared_go_version(error.file)
    if declared is None:
        return
    wanted, line = declared
    go = context.go()
    if go.version < GoVersion.parse(wanted):
        too_old = _too_old(go, error.file, wanted, line)
        too_old.details = f"(the file also reads as invalid here: {error})"
        raise too_old from error


@hookimpl
def gobuildpack_detect(context: DetectContext) -> DetectResult:
    app = context.app
    try:
        gomod = app.gomod
        gowork = app.gowork
    except ProjectFileError as exc:
        _check_loosely(context, exc)
        raise
    if gomod is None:
        raise _not_a_go_project(app.dir)
    source = gowork if gowork is not None else gomod
    plan = context.plan
    plan.module = gomod.module
    plan.go_wanted = source.go
    plan.toolchain_wanted = source.toolchain
    go = context.go()
    plan.go = go

    if source.go:
        wanted = GoVersion.parse(source.go)
        if go.version < wanted:
            raise _too_old(go, source.file, source.go, source.go_line)
    if source.toolchain:
        preferred = toolchain_version(source.toolchain)
        if preferred is not None and go.version < preferred:
            app.log.warn(
                f"{source.file.name} prefers {source.toolchain}; building with go{go.version} "
                "(gobuildpack does not download toolchains)"
            )
    constraint = app.env.get("BP_GO_VERSION", "").strip()
    if constraint:
        try:
            ok = _matches_constraint(go.version, constraint)
        except ValueError:
            raise ToolchainError(
                f"BP_GO_VERSION={constraint!r} is not a Go version",
                hint="write it as 1.22, 1.22.* or 1.22.3",
            ) from None
        if not ok:
            raise ToolchainError(
                f"BP_GO_VERSION={constraint} asks for Go {constraint}, but the toolchain at "
                f"{go.go} is go{go.version}",
                hint="install that Go version and set GOBUILDPACK_GO to its go binary, "
                "or change BP_GO_VERSION",
            )
    return DetectResult(provides=["go"])


@hookimpl
def gobuildpack_build(context: BuildContext) -> None:
    go = context.plan.go
    if go is None:
        return
    layer = context.layer("go", build=True)
    layer.env.prepend("PATH", str(go.go.parent), where="build")
    layer.env.override("GOTOOLCHAIN", "local", where="build")
    layer.metadata["version"] = str(go.version)
