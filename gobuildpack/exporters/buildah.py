"""The Buildah exporter: assembles the image with ``buildah`` driven through subprocess.

``buildah from`` the base (``scratch`` by default), ``buildah add`` one deterministic tarball per
launch layer (so ownership and modes are exactly ours), ``buildah config``, then ``buildah commit``
with a pinned ``--timestamp`` (Buildah clamps file times to it), no identity label and no history,
so the same inputs give the same digest. ``oci:`` and ``oci-archive:`` outputs are committed to
a staging layout first and published atomically; ``containers-storage:`` is committed directly
(the store itself makes that atomic).

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

    def export(self, image: ImageSpec, output: Output, log: Log) -> ExportResult:
        container = f"gobuildpack-{secrets.token_hex(6)}"
        work = Path(tempfile.mkdtemp(prefix="gobuildpack-buildah-"))
        created = False
        try:
            self._run("from", "--quiet", "--name", container, image.base or "scratch")
            created = True
            for index, layer in enumerate(image.layers):
                tar_path = work / f"layer-{index}.tar"
                with tar_path.open("wb") as fh:
                    write_layer_tar(layer, fh)
                self._run("add", "--quiet", container, str(tar_path), "/")
                tar_path.unlink()
            self._run("config", *self._config_args(image), container)
            commit = [
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
                container,
            ]
            if output.transport == "containers-storage":
                image_id = self._run(*commit, f"containers-storage:{output.image_name}")
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
                self._run(*commit, f"oci:{staging}:{output.tag}")
                config_digest = config_digest_of(staging, output.tag)
                if output.transport == "oci":
                    desc = publish_layout(staging, output.path, output.tag)
                else:
                    desc = write_archive(staging, output.path, output.tag)
            return ExportResult(str(output), str(desc["digest"]), config_digest, self.name)
        finally:
            if created:
                proc.run([self.buildah, "rm", container], env=self.env, check=False)
            shutil.rmtree(work, ignore_errors=True)
