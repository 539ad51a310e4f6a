"""Up-to-date check: a rebuild whose inputs have not changed does no work at all.

After every successful build, a *build record* is written to
``<cache root>/records/<hash of app directory and output>.json``: a fingerprint of everything the
build read, and the image it wrote. The next ``gobuildpack build`` of the same app to the same
output first fingerprints its inputs again (milliseconds: file metadata, not contents) and, when
they match and the output still holds that image, prints the recorded result and stops, before
any plugin is loaded or any program is run.

What the fingerprint covers (see :func:`inputs`): gobuildpack's version and its own code, every
file under the app directory (size, mtime, mode, inode; ``.git`` left out), local modules outside
it (go.mod ``replace`` and go.work ``use`` directories), the git state (HEAD, modified and
untracked paths, the repository config: go stamps VCS data into binaries and labels come from
git), the build-relevant environment (``BP_*``, ``GO*``, ``CGO_*``, ``PATH``, ...), the ``go``
binary, the CA bundle candidates, and the command line (output, exporter, platform).

It is deliberately conservative. The check is skipped, and the full build runs, whenever code we
cannot fingerprint could take part: a plugin from an installed package (entry point), a
``--buildpack``, a project.toml buildpack group, or ``--creation-time now``. ``--rebuild`` skips it
on request.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gobuildpack import __version__, fingerprint, proc

RECORD_VERSION = 1
CA_CANDIDATES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
)


@dataclass(frozen=True)
class Request:
    """One ``gobuildpack build`` invocation, as far as the up-to-date check cares."""

    app_dir: Path
    output: str  # canonical form, e.g. oci:/abs/dir:latest
    exporter: str
    platform: str
    creation_time: str | None
    env: Mapping[str, str]
    buildpacks: Sequence[Path]
    cache_root: Path
    written: tuple[Path, ...] = ()  # outputs inside the app directory are not inputs

    @property
    def record_path(self) -> Path:
        key = fingerprint.digest([str(self.app_dir), self.output])[:32]
        return self.cache_root / "records" / f"{key}.json"


def _code_dirs() -> list[Path]:
    import gobuildpack

    package = Path(gobuildpack.__file__).parent
    dirs = [package]
    spec = importlib.util.find_spec("gobuildpack.builtin")
    if spec is not None and spec.submodule_search_locations:
        dirs += [Path(p) for p in spec.submodule_search_locations]
    return dirs


def _has_foreign_code(request: Request) -> bool:
    if request.buildpacks or request.creation_time == "now":
        return True
    if importlib.metadata.entry_points(group="gobuildpack"):
        return True
    project = request.app_dir / "project.toml"
    return project.is_file() and "io.buildpacks.group" in project.read_text(errors="replace")


def inputs(request: Request, local_dirs: Sequence[str]) -> dict[str, Any] | None:
    """Everything the build reads, described cheaply; None when the check cannot be trusted."""
    if _has_foreign_code(request):
        return None
    env = request.env
    go = env.get("GOBUILDPACK_GO") or shutil.which("go", path=env.get("PATH"))
    buildah = shutil.which("buildah", path=env.get("PATH"))
    ca = [env["SSL_CERT_FILE"]] if env.get("SSL_CERT_FILE") else []
    return {
        "record": RECORD_VERSION,
        "version": __version__,
        "code": {str(d): fingerprint.tree(d) for d in _code_dirs()},
        "command": [request.output, request.exporter, request.platform, request.creation_time],
        "env": fingerprint.environment(env),
        "app": fingerprint.tree(request.app_dir, exclude=request.written),
        "local": {d: fingerprint.tree(Path(d)) for d in local_dirs},
        "git": fingerprint.git_state(request.app_dir, env),
        "tools": fingerprint.files([Path(p) for p in (go, buildah) if p]),
        "ca": fingerprint.files(Path(p) for p in [*ca, *CA_CANDIDATES]),
    }


def _oci_holds(layout: Path, tag: str, digest: str) -> bool:
    """The layout's tag points at ``digest`` and every blob of that image is present, intact."""
    try:
        index = json.loads((layout / "index.json").read_text(encoding="utf-8"))
        descs = [
            d
            for d in index.get("manifests", [])
            if d.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag
        ]
        if [d.get("digest") for d in descs] != [digest]:
            return False
        blobs = layout / "blobs" / "sha256"

        def present(desc: Mapping[str, Any]) -> bool:
            """The blob is there, whole and unchanged (size, then sha256)."""
            path = blobs / str(desc["digest"]).removeprefix("sha256:")
            if not (path.is_file() and path.stat().st_size == int(desc["size"])):
                return False
            return f"sha256:{fingerprint.file_sha256(path)}" == str(desc["digest"])

        if not present(descs[0]):
            return False
        manifest = json.loads((blobs / digest.removeprefix("sha256:")).read_text("utf-8"))
        return all(present(d) for d in [manifest["config"], *manifest["layers"]])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def output_holds(record: Mapping[str, Any], env: Mapping[str, str]) -> bool:
    """Whether the output still holds the image the record says was written there."""
    output = record["output"]
    transport, target, tag = output["transport"], output["target"], output["tag"]
    digest = record["image"]["digest"]
    if transport == "oci":
        return _oci_holds(Path(target), tag, digest)
    if transport == "oci-archive":
        return fingerprint.files([Path(target)]) == record.get("archive")
    if transport == "containers-storage":
        buildah = shutil.which("buildah", path=env.get("PATH"))
        if buildah is None:
            return False
        image = f"{target}:{tag}"
        result = proc.run(
            [buildah, "inspect", "--type", "image", "--format", "{{.FromImageDigest}}", image],
            env=env,
            check=False,
        )
        return result.returncode == 0 and result.stdout.strip() == digest
    return False


def check(request: Request) -> dict[str, Any] | None:
    """The recorded build if nothing it read has changed and its image is still there."""
    try:
        record: dict[str, Any] = json.loads(request.record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("record") != RECORD_VERSION:
        return None
    current = inputs(request, record.get("local_dirs", []))
    if current is None or fingerprint.digest(current) != record.get("fingerprint"):
        return None
    if not output_holds(record, request.env):
        return None
    return record


def save(
    request: Request,
    before: dict[str, Any] | None,
    local_dirs: Sequence[str],
    output: Mapping[str, str],
    report: Mapping[str, Any],
) -> None:
    """Record a successful build. ``before`` is :func:`inputs` taken *before* it started, so a
    file changed during the build makes the record stale rather than wrong."""
    if before is None:
        return
    record = {
        "record": RECORD_VERSION,
        "fingerprint": fingerprint.digest(before),
        "local_dirs": list(local_dirs),
        "output": dict(output),
        "image": report["image"],
        "report": report,
    }
    if output["transport"] == "oci-archive":
        record["archive"] = fingerprint.files([Path(output["target"])])
    # Imported here: the up-to-date check itself, on every build's start, does not need it.
    from gobuildpack.oci.layout import write_atomic

    path = request.record_path
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(record).encode())
