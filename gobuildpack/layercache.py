"""Cache layers: kept from one build of an app to the next, as the CNB spec's cache does.

Where: ``<cache root>/layers/<key>/``, where ``key`` is derived from the app directory's absolute
path (so two checkouts of one project keep separate caches). Inside: ``app`` (that path, so the
entry can be pruned once the directory is gone) and, per buildpack, ``<id, '/' as '_'>/<name>/``
with the layer's files and ``<name>.toml`` with its ``[metadata]``.

* **restore**, before a buildpack builds: each cached layer of that buildpack is copied into its
  layers directory with its ``<name>.toml`` (metadata only, no ``[types]``: the buildpack must
  declare the layer again to keep it). The cache itself is untouched, so a failed build loses
  nothing. Layers are kept as they would be under ``/layers`` (env files hold image paths, see
  :func:`gobuildpack.lifecycle.build`); on restore, env files are mapped back to this build's
  layers directory.
* **save**, only after a build whose image was written: the ``cache`` layers of that build
  replace the app's entry. The new entry is assembled beside the old one and swapped in by rename,
  so a concurrent build restores the old or the new entry, never half of one. Entries of apps
  whose directory no longer exists are removed at the same time.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import tomli_w

from gobuildpack.layerenv import rewrite_env_files
from gobuildpack.log import Log
from gobuildpack.model import LAYERS_ROOT, App, BuildpackInfo, Layer

APP_FILE = "app"


class LayerCache:
    """The cache layers of one app, under ``root`` (``<cache root>/layers``)."""

    def __init__(self, root: Path, app_dir: Path) -> None:
        self.root = root
        self.app_dir = app_dir.resolve()
        self.key = hashlib.sha256(str(self.app_dir).encode()).hexdigest()[:20]
        self.dir = root / self.key

    @classmethod
    def for_app(cls, app: App) -> LayerCache:
        return cls(app.cache.layers, app.dir)

    def cached_layers(self) -> dict[str, list[str]]:
        """Every kept layer's name, by buildpack directory name (``<id, '/' as '_'>``)."""
        if not self.dir.is_dir():
            return {}
        out = {}
        for directory in sorted(p for p in self.dir.iterdir() if p.is_dir()):
            names = sorted(
                t.stem for t in directory.glob("*.toml") if (directory / t.stem).is_dir()
            )
            if names:
                out[directory.name] = names
        return out

    def cached(self, buildpack: BuildpackInfo) -> list[str]:
        """Names of the layers kept for ``buildpack``."""
        directory = self.dir / buildpack.layers_dirname
        if not directory.is_dir():
            return []
        return sorted(t.stem for t in directory.glob("*.toml") if (directory / t.stem).is_dir())

    def restore(self, buildpack: BuildpackInfo, layers_dir: Path, log: Log) -> list[str]:
        """Copy ``buildpack``'s cached layers into ``layers_dir``; return their names."""
        source = self.dir / buildpack.layers_dirname
        in_image = re.compile(re.escape(f"{LAYERS_ROOT}/{buildpack.layers_dirname}") + r"(?=/|$)")
        here = str(layers_dir)

        def translate(text: str) -> str:
            """``/layers/<bp>/...`` -> this build's directory for the buildpack's layers."""
            return in_image.sub(lambda _: here, text)

        restored: list[str] = []
        for name in self.cached(buildpack):
            target = layers_dir / name
            try:
                shutil.copytree(source / name, target, symlinks=True)
                shutil.copyfile(source / f"{name}.toml", layers_dir / f"{name}.toml")
                rewrite_env_files(target, translate)
            except OSError as exc:
                log.warn(f"{buildpack.id}: cache layer {name!r} not restored: {exc}")
                shutil.rmtree(target, ignore_errors=True)
                (layers_dir / f"{name}.toml").unlink(missing_ok=True)
                continue
            restored.append(name)
        return restored

    def save(self, layers: Iterable[Layer], log: Log) -> list[Layer]:
        """Keep the ``cache`` layers (moving their directories); return the layers kept."""
        cached = [layer for layer in layers if layer.cache and layer.path.is_dir()]
        kept: list[Layer] = []
        if not cached and not self.dir.exists():
            self.prune()
            return kept
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{self.key}-new-", dir=self.root))
        except OSError as exc:
            log.warn(f"cache layers not saved: {exc}")
            return []
        old = self.root / f".{self.key}-old-{secrets.token_hex(4)}"
        try:
            (staging / APP_FILE).write_text(str(self.app_dir), encoding="utf-8")
            for layer in cached:
                try:
                    metadata = tomli_w.dumps({"metadata": layer.metadata})
                except (TypeError, ValueError) as exc:
                    log.warn(
                        f"{layer.buildpack.id}: cache layer {layer.name!r} not saved: its "
                        f"metadata cannot be written as TOML ({exc})"
                    )
                    continue
                directory = staging / layer.buildpack.layers_dirname
                directory.mkdir(exist_ok=True)
                (directory / f"{layer.name}.toml").write_text(metadata, encoding="utf-8")
                shutil.move(layer.path, directory / layer.name)
                kept.append(layer)
            if self.dir.exists():
                self.dir.rename(old)
            if kept:
                staging.rename(self.dir)
        except OSError as exc:
            log.warn(f"cache layers not saved: {exc}")
            kept = []
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(old, ignore_errors=True)
        self.prune()
        return kept

    def prune(self) -> None:
        """Remove the entries of apps whose directory no longer exists."""
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            try:
                app_dir = Path((entry / APP_FILE).read_text(encoding="utf-8").strip())
            except OSError:
                continue
            if not app_dir.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
