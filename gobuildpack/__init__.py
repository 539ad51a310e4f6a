"""gobuildpack: turn a Go project into a runnable OCI image, without a Dockerfile.

Plugins import :data:`hookimpl` from here to implement the hooks in :mod:`gobuildpack.hookspecs`.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("gobuildpack")

__all__ = ["__version__", "hookimpl"]
