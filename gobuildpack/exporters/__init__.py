"""Exporter backends: turn an :class:`~gobuildpack.model.ImageSpec` into an image at an output.

This module is itself a plugin (loaded last among the built-ins): it answers
``gobuildpack_exporter`` for the names ``buildah`` (:mod:`gobuildpack.exporters.buildah`),
``native`` (:mod:`gobuildpack.exporters.native`, pure Python) and ``auto``: Buildah when the
``buildah`` program is on PATH, else native. A third-party plugin can provide another backend
under a new name, or replace one of these by answering first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from gobuildpack import hookimpl, proc
from gobuildpack.errors import MissingProgram, UsageError

if TYPE_CHECKING:
    from gobuildpack.log import Log
    from gobuildpack.model import App, ExportResult, ImageSpec
    from gobuildpack.oci.output import Output

EXPORTER_NAMES = ("auto", "buildah", "native")


class Exporter(Protocol):
    """What an exporter backend provides."""

    name: str

    def export(self, image: ImageSpec, output: Output, log: Log) -> ExportResult:
        """Write ``image`` to ``output`` atomically; return its reference and manifest digest."""
        ...


@hookimpl(trylast=True)
def gobuildpack_exporter(name: str, app: App) -> Exporter | None:
    from gobuildpack.exporters.buildah import BuildahExporter
    from gobuildpack.exporters.native import NativeExporter
    from gobuildpack.oci.blobcache import DEFAULT_LIMIT_MB, BlobCache

    def native() -> NativeExporter:
        limit = int(app.env.get("GOBUILDPACK_BLOB_CACHE_MB") or DEFAULT_LIMIT_MB)
        return NativeExporter(app.env, app.cache.work, BlobCache(app.cache.blobs, limit))

    if name == "native":
        return native()
    if name in ("buildah", "auto"):
        try:
            buildah = proc.which("buildah", path=app.env.get("PATH"))
        except MissingProgram as exc:
            if name == "auto":
                return native()
            raise MissingProgram(
                "the Buildah exporter needs the program `buildah`, which is not installed",
                hint="install it (Debian/Ubuntu: `apt-get install buildah`), "
                "or run `.ci/setup` from the gobuildpack checkout, "
                "or use the pure-Python exporter with --exporter native",
            ) from exc
        return BuildahExporter(buildah, app.env)
    raise UsageError(
        f"unknown exporter {name!r}",
        hint=f"choose one of: {', '.join(EXPORTER_NAMES)}",
    )
