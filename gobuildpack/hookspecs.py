"""The plugin API: every hook a buildpack or plugin can implement.

Implement a hook by decorating a function named exactly like the spec with
``gobuildpack.hookimpl``; an implementation may take any subset of the spec's arguments.

Two kinds of hooks:

* **Phase hooks** (``gobuildpack_detect``, ``gobuildpack_build``) are called once per buildpack, in
  group order (built-ins first, then entry-point plugins, then project plugins), so each sees what
  the ones before it put in the plan. A plugin that implements either is a *buildpack*.
* **Gathering hooks** (``gobuildpack_configure_image``, ``gobuildpack_before_build``,
  ``gobuildpack_after_build``, ``gobuildpack_after_export``) are called on every plugin, in
  load order.
* **Single-answer hooks** (``gobuildpack_go_toolchain``, ``gobuildpack_exporter``) ask the most
  recently loaded plugin first (``tryfirst``/``trylast`` respected) and stop at the first
  non-None result, so a plugin can replace a built-in's answer.

An exception other than :class:`gobuildpack.errors.GobuildpackError` raised by a hook stops the
build with a :class:`~gobuildpack.errors.PluginError` naming the plugin and the hook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from gobuildpack.exporters import Exporter
    from gobuildpack.model import (
        App,
        BuildContext,
        BuildPlan,
        BuildResult,
        DetectContext,
        DetectResult,
        ExportResult,
        ImageConfig,
        Layer,
    )
    from gobuildpack.toolchain import GoToolchain

PROJECT_NAME = "gobuildpack"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec(firstresult=True)
def gobuildpack_go_toolchain(app: App) -> GoToolchain | None:
    """Locate the Go toolchain that will build ``app``.

    The built-in ``gobuildpack/go-dist`` answers last (``trylast``) with ``$GOBUILDPACK_GO`` or
    ``go`` on PATH; a plugin can return another installation (one it downloaded, say).

    Stops at the first non-None result.

    :param app: the application being built.
    :return: the toolchain, or None to let the next plugin answer.

    .. versionadded:: 0.1
    """


@hookspec
def gobuildpack_detect(context: DetectContext) -> DetectResult | None:
    """Decide whether this buildpack takes part in the build, and fill in the plan.

    Called once per buildpack, in group order; ``context.plan`` already holds what earlier
    buildpacks decided, and this one may add to it (targets, flags, processes). Return
    ``DetectResult(passed=False, reason=..., hint=...)`` to fail: a required buildpack failing stops
    the build with that reason, an optional one is left out of the build. Raise a
    :class:`~gobuildpack.errors.GobuildpackError` subclass for a definite user error.

    What the passing buildpacks provide and require is then resolved as the CNB spec says
    (:mod:`gobuildpack.resolve`): a requirement must be provided by the same or an earlier
    buildpack, a provision required by the same or a later one; ``alternatives`` (CNB ``[[or]]``)
    are tried in order, and an optional buildpack that does not fit is left out.

    :param context: the app, the plan so far, this buildpack's identity, and ``context.go()`` to
        get the Go toolchain.
    :return: pass/fail plus what the buildpack provides and requires (names, or
        :class:`~gobuildpack.model.Require` with metadata); None counts as a pass with nothing
        provided or required.

    .. versionadded:: 0.1
    """


@hookspec
def gobuildpack_before_build(app: App, plan: BuildPlan) -> None:
    """Act after detection and before any buildpack builds (e.g. run a linter, ``go generate``).

    :param app: the application being built.
    :param plan: the plan detect produced; changes made here are seen by the build.

    .. versionadded:: 0.1
    """


@hookspec
def gobuildpack_build(context: BuildContext) -> BuildResult | None:
    """Contribute layers, processes, labels and launch environment.

    Called once per buildpack that passed detection, in group order. Create layers with
    ``context.layer(name, launch=True)`` and fill their directories; ``launch`` layers go into the
    image at ``/layers/<buildpack id>/<name>`` (or ``image_path``), ``cache`` layers outlive the
    build (restored into ``context.layers_dir`` before the next build of the app), ``build``
    layers are seen by later buildpacks only: their ``bin/`` on ``PATH`` and their
    ``layer.env`` files (CNB ``env/``, ``env.build/``) in the ``context.env`` of every later
    buildpack; ``layer.env`` launch files set the image's environment.

    :param context: the app, the plan, this buildpack's identity and layers directory, the
        build environment, its Buildpack Plan (``context.entries``), and a log for progress.
    :return: processes, labels and launch environment to add to the image, and the plan entries
        left ``unmet`` for the next provider; or None.

    .. versionadded:: 0.1
    """


@hookspec
def gobuildpack_after_build(app: App, plan: BuildPlan, layers: list[Layer]) -> None:
    """Inspect or adjust the build's outcome before the image is assembled.

    :param app: the application being built.
    :param plan: the plan that was built.
    :param layers: every layer contributed, in order; launch layers will be exported.

    .. versionadded:: 0.1
    """


@hookspec
def gobuildpack_configure_image(image: ImageConfig, plan: BuildPlan, app: App) -> None:
    """Adjust the image config in place: labels, environment, user, working directory.

    Called on every plugin in load order after the entrypoint, PATH and the build metadata labels
    are set, so a later plugin sees (and may override) what earlier ones did.

    :param image: the config to change.
    :param plan: the plan that was built.
    :param app: the application being built.

    .. versionadded:: 0.1
    """


@hookspec(firstresult=True)
def gobuildpack_exporter(name: str, app: App) -> Exporter | None:
    """Provide the exporter backend called ``name`` (``buildah``, ``native``, or ``auto``).

    The built-in exporters answer last (``trylast``). Stops at the first non-None result.

    :param name: the exporter the user asked for with ``--exporter``; ``auto`` means "the best
        one available here".
    :param app: the application being built.
    :return: an object with ``name`` and ``export(image, output, log) -> ExportResult``, or None.

    .. versionadded:: 0.1
    """


@hookspec
def gobuildpack_after_export(app: App, result: ExportResult) -> None:
    """Act on the written image: its reference and manifest digest (sign, notify, record).

    :param app: the application that was built.
    :param result: reference, manifest digest and image id of the image written.

    .. versionadded:: 0.1
    """
