"""gobuildpack/run-base: what a static Go binary needs at run time on a ``scratch`` image.

One launch layer laid over ``/``:

* ``/etc/ssl/certs/ca-certificates.crt``: the build host's CA bundle (``$SSL_CERT_FILE``, or
  the usual Debian, Fedora, Alpine and macOS locations), where Go's crypto/x509 looks first;
* ``/etc/passwd`` and ``/etc/group`` with ``root`` and ``nonroot`` (65532, as distroless and ko
  use), ``/home/nonroot`` owned by it, ``/etc/nsswitch.conf`` so names resolve files-then-DNS;
* ``/tmp`` (mode 1777) and the working directory ``/workspace``.

The image runs as ``65532:65532``: numeric, so Kubernetes ``runAsNonRoot`` can verify it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from gobuildpack import hookimpl
from gobuildpack.errors import BuildFailed
from gobuildpack.model import WORKSPACE, App, BuildContext, BuildPlan, ImageConfig

UID = GID = 65532
USER = f"{UID}:{GID}"
HOME = "/home/nonroot"
CA_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/ca-bundle.pem",  # openSUSE
    "/etc/ssl/cert.pem",  # macOS, Alpine, BSDs
)
PASSWD = (
    f"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:{UID}:{GID}:nonroot:{HOME}:/sbin/nologin\n"
)
GROUP = f"root:x:0:\nnonroot:x:{GID}:\n"
NSSWITCH = "hosts: files dns\n"


def find_ca_bundle(app: App) -> Path:
    explicit = app.env.get("SSL_CERT_FILE")
    candidates = [explicit] if explicit else []
    candidates += list(CA_BUNDLES)
    for candidate in candidates:
        path = Path(candidate)
        if path.is_file() and path.stat().st_size > 0:
            return path
    raise BuildFailed(
        "no CA certificate bundle found on this machine, so TLS clients in the image could "
        "not verify servers",
        hint="install the CA certificates (Debian/Ubuntu: `apt-get install ca-certificates`), "
        "or set SSL_CERT_FILE to a PEM bundle",
    )


@hookimpl
def gobuildpack_build(context: BuildContext) -> None:
    layer = context.layer("base", launch=True, image_path="/")
    root = layer.path
    for directory in ("etc/ssl/certs", "tmp", "home/nonroot", WORKSPACE.strip("/")):
        (root / directory).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(find_ca_bundle(context.app), root / "etc/ssl/certs/ca-certificates.crt")
    (root / "etc/passwd").write_text(PASSWD, encoding="utf-8")
    (root / "etc/group").write_text(GROUP, encoding="utf-8")
    (root / "etc/nsswitch.conf").write_text(NSSWITCH, encoding="utf-8")
    layer.modes["tmp"] = 0o1777
    layer.modes["home/nonroot"] = 0o700
    layer.owners["home/nonroot"] = (UID, GID)
    layer.owners[WORKSPACE.strip("/")] = (UID, GID)


@hookimpl
def gobuildpack_configure_image(image: ImageConfig, plan: BuildPlan, app: App) -> None:
    image.user = image.user or USER
    image.working_dir = image.working_dir or WORKSPACE
    image.env.setdefault("HOME", HOME)
