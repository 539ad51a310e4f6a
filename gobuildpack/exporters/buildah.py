"""The Buildah exporter: assembles the image with ``buildah`` driven through subprocess.

One image layer per launch layer, in order. ``buildah commit`` writes a container's changes as one
new layer on top of its image's layers, so each launch layer but the last is added and committed
to an *intermediate* image, and the next working container starts ``from`` it::

    from BASE, add layer 1, commit ─▶ intermediate:0
    from intermediate:0, add layer 2, commit ─▶ intermediate:1
    ...
    from intermediate:N-2, add layer N, config, commit ─▶ the output

Each layer is one deterministic tarball of ours (``buildah add``), so ownership and modes are
exactly ours. Every commit pins ``--timestamp`` (Buildah clamps file times to it), adds no identity
label and no history, so the same inputs give the same digest. The base-image annotations that
``buildah from`` records for an intermediate are put back to those of the real base (none for
scratch), so intermediates leave no trace in the image. Intermediates are named
``localhost/gobuildpack-intermediate-<random>:<n>`` (never shared between concurrent builds: two
builds with identical layers share the image, each under its own name) and untagged at the end;
working containers are removed as they are committed.

``oci:`` and ``oci-archive:`` outputs are committed to a staging layout first and published
atomically; ``containers-storage:`` is committed directly (the store itself makes that atomic).

Buildah uses its default store; set ``CONTAINERS_STORAGE_CONF`` to point it (and podman) elsewhere.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from gobuildpack import proc
from gobuildpack.errors import CommandFailed, ExportFailed
from gobuildpack.log import Log
from gobuildpack.model import ExportResult, ImageSpec
from gobuildpack.oci.layer import write_layer_tar
from gobuildpack.oci.layout import (
    config_digest_of,
    publish_layout,
    staging_layout,
    write_archive,
)
from gobuildpack.oci.output import Output

# What ``buildah from`` records about the image a container starts from.
BASE_ANNOTATIONS = ("org.opencontainers.image.base.name", "org.opencontainers.image.base.digest")


class BuildahExporter:
    name = "buildah"

    def __init__(self, buildah: str, env: Mapping[str, str]) -> None:
        self.buildah = buildah
        self.env = dict(env)

    def _run(self, *args: str) -> str:
        try:
            return proc.run([self.buildah, *args], env=self.env).stdout.strip()
        except CommandFailed as exc:
            raise ExportFailed(
                f"buildah {args[0]} failed (exit status {exc.returncode})",
                hint="see Buildah's message below; if it is about storage, check "
                "CONTAINERS_STORAGE_CONF and that the store is writable",
                details=exc.output,
            ) from exc

    def _config_args(self, image: ImageSpec) -> list[str]:
        cfg = image.config
        args = [
            "--os",
            image.platform.os,
            "--arch",
            image.platform.architecture,
            "--entrypoint",
            json.dumps(cfg.entrypoint),
        ]
        if image.platform.variant:
            args += ["--variant", image.platform.variant]
        if cfg.cmd:
            args += ["--cmd", json.dumps(cfg.cmd)]
        for item in cfg.env_list():
            args += ["--env", item]
        if cfg.user:
            args += ["--user", cfg.user]
        if cfg.working_dir:
            args += ["--workingdir", cfg.working_dir]
        for port in cfg.exposed_ports:
            args += ["--port", port]
        for key, value in cfg.labels.items():
            args += ["--label", f"{key}={value}"]
        for key, value in cfg.annotations.items():
            args += ["--annotation", f"{key}={value}"]
        return args

    def _commit_args(self, image: ImageSpec) -> list[str]:
        return [
            "commit",
            "--quiet",
            "--format",
            "oci",
            "--timestamp",
            str(int(image.created.timestamp())),
            "--identity-label=false",
            "--omit-history",
            # Buildah stores layers uncompressed unless told otherwise; registries and
            # layouts want gzip (containers-storage ignores this).
            "--disable-compression=false",
        ]

    def _base_annotation_args(self, container: str) -> list[str]:
        """``buildah config`` arguments that give an image the base annotations ``container``
        has now: those of the real base, or none for scratch, whatever intermediates follow."""
        found = json.loads(self._run("inspect", "--type", "container", container))
        annotations = found.get("ImageAnnotations") or {}
        args: list[str] = []
        for key in BASE_ANNOTATIONS:
            value = annotations.get(key)
            args += ["--annotation", f"{key}={value}" if value else f"{key}-"]
        return args

    def export(self, image: ImageSpec, output: Output, log: Log) -> ExportResult:
        token = secrets.token_hex(6)
        intermediate = f"localhost/gobuildpack-intermediate-{token}"
        committed: list[str] = []  # intermediate images, removed at the end
        container: str | None = None
        work = Path(tempfile.mkdtemp(prefix="gobuildpack-buildah-"))
        commit = self._commit_args(image)
        try:
            container = self._run(
                "from", "--quiet", "--name", f"gobuildpack-{token}-0", image.base or "scratch"
            )
            base_annotations = self._base_annotation_args(container)
            for index, layer in enumerate(image.layers):
                if index > 0:
                    # Commit the layers so far as an intermediate image, and go on from it.
                    name = f"{intermediate}:{index - 1}"
                    self._run(*commit, "--rm", container, f"containers-storage:{name}")
                    container = None  # --rm removed it
                    committed.append(name)
                    container = self._run(
                        "from",
                        "--quiet",
                        "--pull=never",
                        "--name",
                        f"gobuildpack-{token}-{index}",
                        name,
                    )
                tar_path = work / f"layer-{index}.tar"
                with tar_path.open("wb") as fh:
                    write_layer_tar(layer, fh)
                self._run("add", "--quiet", container, str(tar_path), "/")
                tar_path.unlink()
            self._run("config", *self._config_args(image), *base_annotations, container)
            if output.transport == "containers-storage":
                image_id = self._run(*commit, container, f"containers-storage:{output.image_name}")
                digest = self._run(
                    "inspect",
                    "--type",
                    "image",
                    "--format",
                    "{{.FromImageDigest}}",
                    output.image_name,
                )
                return ExportResult(str(output), digest, f"sha256:{image_id}", self.name)
            with staging_layout(output.path) as staging:
                self._run(*commit, container, f"oci:{staging}:{output.tag}")
                config_digest = config_digest_of(staging, output.tag)
                if output.transport == "oci":
                    desc = publish_layout(staging, output.path, output.tag)
                else:
                    desc = write_archive(staging, output.path, output.tag)
            return ExportResult(str(output), str(desc["digest"]), config_digest, self.name)
        finally:
            if container is not None:
                proc.run([self.buildah, "rm", container], env=self.env, check=False)
            if committed:
                removed = proc.run([self.buildah, "rmi", *committed], env=self.env, check=False)
                if removed.returncode != 0:
                    log.warn(
                        f"could not remove the intermediate images {', '.join(committed)}: "
                        f"{removed.stderr.strip()}"
                    )
            shutil.rmtree(work, ignore_errors=True)
