"""The Go toolchain: finding it, knowing its version, and running it with our caches."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gobuildpack import proc
from gobuildpack.cache import CacheDirs
from gobuildpack.errors import CommandFailed, MissingProgram, ToolchainError
from gobuildpack.gomod import GoVersion, toolchain_version

GO_INSTALL_HINT = (
    "install Go from https://go.dev/dl/ and put its bin directory on PATH, "
    "or point GOBUILDPACK_GO at a go binary"
)


@dataclass(frozen=True)
class GoToolchain:
    """One Go installation: its ``go`` binary, version, GOROOT and host platform."""

    go: Path
    version: GoVersion
    goroot: Path
    host_os: str
    host_arch: str

    def environ(
        self,
        base: Mapping[str, str],
        cache: CacheDirs,
        extra: Mapping[str, str] | None = None,
    ) -> dict[str, str]:
        """The environment for running this toolchain on behalf of a build.

        Starts from ``base`` (the build's environment), points the module and build caches at
        ours, and pins ``GOTOOLCHAIN=local`` so go never fetches another toolchain behind the
        user's back: a project that needs a newer Go gets our clear error instead.
        """
        env = dict(base)
        env["GOMODCACHE"] = str(cache.go_mod)
        env["GOCACHE"] = str(cache.go_build)
        env["GOTOOLCHAIN"] = "local"
        # Put this toolchain first on PATH so tools go runs (e.g. go generate) see the same go.
        env["PATH"] = os.pathsep.join([str(self.go.parent), env.get("PATH", os.defpath)])
        if extra:
            env.update(extra)
        return env

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        stream: bool = False,
    ) -> proc.Result:
        return proc.run([str(self.go), *args], cwd=cwd, env=env, stream=stream)


def find_toolchain(env: Mapping[str, str]) -> GoToolchain:
    """Locate Go: ``$GOBUILDPACK_GO`` if set, else ``go`` on PATH. Raises ToolchainError."""
    explicit = env.get("GOBUILDPACK_GO")
    if explicit:
        candidate = Path(explicit).expanduser()
        if not (candidate.is_file() and os.access(candidate, os.X_OK)):
            raise ToolchainError(
                f"GOBUILDPACK_GO points at {candidate}, which is not an executable file",
                hint="set GOBUILDPACK_GO to the path of a go binary (e.g. /usr/local/go/bin/go)",
            )
        go = str(candidate)
    else:
        try:
            go = proc.which("go", path=env.get("PATH"))
        except MissingProgram as exc:
            raise ToolchainError(
                "no Go toolchain found: `go` is not on PATH", hint=GO_INSTALL_HINT
            ) from exc
    query_env = dict(env)
    query_env["GOTOOLCHAIN"] = "local"
    try:
        result = proc.run(
            [go, "env", "-json", "GOVERSION", "GOROOT", "GOHOSTOS", "GOHOSTARCH"],
            env=query_env,
        )
        info = json.loads(result.stdout)
    except (CommandFailed, json.JSONDecodeError) as exc:
        raise ToolchainError(
            f"{go} does not behave like a Go toolchain (`go env -json` failed)",
            hint=GO_INSTALL_HINT,
            details=getattr(exc, "output", str(exc)),
        ) from exc
    raw = str(info.get("GOVERSION", ""))
    words = raw.split()
    # Releases say "go1.26.8"; development builds "devel go1.27-abcdef <date>".
    name = words[1] if len(words) > 1 and words[0] == "devel" else raw
    version = toolchain_version(name)
    if version is None:
        raise ToolchainError(
            f"cannot understand the version {raw!r} reported by {go}",
            hint=GO_INSTALL_HINT,
        )
    return GoToolchain(
        go=Path(go),
        version=version,
        goroot=Path(info.get("GOROOT", "")),
        host_os=str(info.get("GOHOSTOS", "linux")),
        host_arch=str(info.get("GOHOSTARCH", "amd64")),
    )
