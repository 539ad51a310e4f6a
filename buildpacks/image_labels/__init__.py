"""gobuildpack/image-labels: OCI labels (and manifest annotations) that describe the image.

* ``org.opencontainers.image.source``: the app's git ``origin`` URL, else ``https://<module>``
  when the module path starts with a host name;
* ``org.opencontainers.image.revision``: the git commit the app was built from;
* ``BP_OCI_<NAME>`` sets ``org.opencontainers.image.<name>`` (Paketo's names: AUTHORS, CREATED,
  DESCRIPTION, DOCUMENTATION, LICENSES, REF_NAME, REVISION, SOURCE, TITLE, URL, VENDOR, VERSION);
* ``BP_IMAGE_LABELS`` adds arbitrary labels, written ``key=value key2="value with spaces"``.
"""

from __future__ import annotations

import shlex

from gobuildpack import hookimpl
from gobuildpack.errors import UsageError
from gobuildpack.model import App, BuildPlan, ImageConfig

OCI = "org.opencontainers.image."
OCI_NAMES = (
    "AUTHORS",
    "CREATED",
    "DESCRIPTION",
    "DOCUMENTATION",
    "LICENSES",
    "REF_NAME",
    "REVISION",
    "SOURCE",
    "TITLE",
    "URL",
    "VENDOR",
    "VERSION",
)
ANNOTATED = ("source", "revision")


def _source(app: App, plan: BuildPlan) -> str | None:
    if app.git.source:
        return app.git.source
    module = plan.module or ""
    if "." in module.split("/", 1)[0]:
        return f"https://{module}"
    return None


def parse_image_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise UsageError(
            f"BP_IMAGE_LABELS cannot be split into words: {exc}",
            hint='write it as key=value key2="value with spaces"',
        ) from exc
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise UsageError(
                f"BP_IMAGE_LABELS entry {word!r} is not key=value",
                hint='write it as key=value key2="value with spaces"',
            )
        labels[key] = value
    return labels


@hookimpl
def gobuildpack_configure_image(image: ImageConfig, plan: BuildPlan, app: App) -> None:
    found = {"source": _source(app, plan), "revision": app.git.revision}
    for name in OCI_NAMES:
        value = app.env.get(f"BP_OCI_{name}")
        if value:
            found[name.lower().replace("_", ".")] = value
    for key, value in found.items():
        if value:
            image.labels[OCI + key] = value
            if key in ANNOTATED or key == "created":
                image.annotations[OCI + key] = value
    image.labels.update(parse_image_labels(app.env.get("BP_IMAGE_LABELS", "")))
