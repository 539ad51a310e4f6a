"""Where gobuildpack keeps what outlives one build: Go's caches, cache layers, and scratch space.

The root is ``$GOBUILDPACK_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/gobuildpack``, else
``~/.cache/gobuildpack`` (the XDG base directory default).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gobuildpack.errors import OutputError


def default_cache_root(env: Mapping[str, str]) -> Path:
    explicit = env.get("GOBUILDPACK_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = env.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "gobuildpack"


@dataclass(frozen=True)
class CacheDirs:
    """The per-user cache directories, shared by every build of every app (Go makes them safe)."""

    root: Path

    @property
    def go_mod(self) -> Path:
        """GOMODCACHE: downloaded modules."""
        return self.root / "go-mod"

    @property
    def go_build(self) -> Path:
        """GOCACHE: compiled packages."""
        return self.root / "go-build"

    @property
    def layers(self) -> Path:
        """Cache layers of buildpacks, one entry per app (see :mod:`gobuildpack.layercache`)."""
        return self.root / "layers"

    @property
    def blobs(self) -> Path:
        """Compressed layer blobs, by content (see :mod:`gobuildpack.oci.blobcache`)."""
        return self.root / "blobs"

    @property
    def work(self) -> Path:
        """Scratch space for one build's layers; each build makes its own directory here."""
        return self.root / "work"

    def ensure(self) -> None:
        for path in (self.go_mod, self.go_build, self.work):
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OutputError(
                    f"cannot create the cache directory {path}: {exc.strerror}",
                    hint="set GOBUILDPACK_CACHE_DIR (or XDG_CACHE_HOME) to a writable directory",
                ) from exc

    def new_work_dir(self, prefix: str) -> Path:
        self.ensure()
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.work))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CacheDirs:
        return cls(default_cache_root(os.environ if env is None else env))
