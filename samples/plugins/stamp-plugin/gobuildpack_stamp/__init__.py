"""Stamp the version and commit into Go binaries (-ldflags -X) and label the image with them."""

from __future__ import annotations

from gobuildpack import hookimpl, proc
from gobuildpack.model import App, BuildPlan, ImageConfig

__version__ = "0.1.0"

COMMIT_LABEL = "io.gobuildpack.stamp.commit"
VERSION_LABEL = "org.opencontainers.image.version"


def stamp_values(app: App) -> tuple[str, str]:
    """The version and commit to stamp, from BP_STAMP_VERSION and git."""
    version = app.env.get("BP_STAMP_VERSION", "").strip()
    if not version and app.git.revision:
        described = proc.run(
            ["git", "-C", str(app.dir), "describe", "--tags", "--always", "--dirty"], check=False
        )
        version = described.stdout.strip() if described.returncode == 0 else ""
    return version or "dev", app.git.revision or "unknown"


@hookimpl
def gobuildpack_before_build(app: App, plan: BuildPlan) -> None:
    version, commit = stamp_values(app)
    package = app.env.get("BP_STAMP_PACKAGE", "main").strip() or "main"
    stamp = f"-X {package}.version={version} -X {package}.commit={commit}"
    plan.ldflags = f"{plan.ldflags} {stamp}".strip()
    app.log.info(f"stamp: {package}.version={version} {package}.commit={commit}")


@hookimpl
def gobuildpack_configure_image(image: ImageConfig, app: App) -> None:
    version, commit = stamp_values(app)
    image.labels[VERSION_LABEL] = version
    image.labels[COMMIT_LABEL] = commit
