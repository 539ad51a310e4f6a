"""gobuildpack/go-mod: choose the dependency mode and fill the module cache.

* ``workspace`` when a go.work is in effect (``$GOWORK`` or ``go.work`` in the app);
* ``vendor`` when ``vendor/modules.txt`` exists: nothing is downloaded, go builds with -mod=vendor;
* ``module`` otherwise: ``go mod download`` fills the shared module cache (kept between builds),
  and the build runs with ``-mod=readonly`` so go.mod and go.sum are never rewritten.
"""

from __future__ import annotations

from gobuildpack import hookimpl
from gobuildpack.errors import BuildFailed, CommandFailed
from gobuildpack.model import BuildContext, DetectContext, DetectResult, go_environ


@hookimpl
def gobuildpack_detect(context: DetectContext) -> DetectResult:
    app, plan = context.app, context.plan
    if app.gowork is not None:
        plan.dependency_mode = "workspace"
    elif app.vendored is not None:
        plan.dependency_mode = "vendor"
    else:
        plan.dependency_mode = "module"
    return DetectResult(provides=["go-modules"], requires=["go"])


@hookimpl
def gobuildpack_build(context: BuildContext) -> None:
    app, plan = context.app, context.plan
    if plan.dependency_mode == "vendor":
        context.log.info("modules: vendored (vendor/modules.txt), nothing to download")
        return
    gomod = app.gomod
    if plan.dependency_mode == "module" and gomod is not None and not gomod.requires:
        context.log.info("modules: no requirements, nothing to download")
        return
    assert plan.go is not None
    env = go_environ(app, plan, context.env)
    with context.log.step("modules: go mod download"):
        try:
            plan.go.run(["mod", "download"], cwd=app.dir, env=env)
        except CommandFailed as exc:
            raise BuildFailed(
                "downloading the modules in go.mod failed",
                file=gomod.file if gomod else None,
                hint="check the module paths and versions, GOPROXY and network access; "
                "`go mod tidy` fixes a go.sum that lacks entries",
                details=exc.output,
            ) from exc
