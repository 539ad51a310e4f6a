"""A project-local buildpack, in Python: run `go generate ./...` before go-build compiles.

project.toml names it in its buildpack group just before `gobuildpack/go-build`, so it runs
right before the compile, for this app only. It uses the same Go, caches and environment as the
build itself, and a failing generator stops the build with go's output.
"""

from __future__ import annotations

from gobuildpack import hookimpl
from gobuildpack.errors import BuildFailed, CommandFailed
from gobuildpack.model import BuildContext, go_environ


@hookimpl
def gobuildpack_build(context: BuildContext) -> None:
    app, plan = context.app, context.plan
    assert plan.go is not None  # go-dist found it during detect
    with context.log.step("go generate ./..."):
        try:
            plan.go.run(["generate", "./..."], cwd=app.dir, env=go_environ(app, plan, context.env))
        except CommandFailed as exc:
            raise BuildFailed(
                "go generate failed",
                hint="run `go generate ./...` in the app directory and fix what it reports",
                details=exc.output,
            ) from exc
