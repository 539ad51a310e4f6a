"""gobuildpack/app-files: static files an app asks to ship, each kind in a layer of its own.

* ``BP_KEEP_FILES`` (Paketo's name): ``:``-separated glob patterns relative to the app root
  (``**`` matches any depth; a matched directory is kept whole). The files land under
  ``/workspace``, the image's working directory, at the same relative paths: layer ``files``.
* ``kodata/`` (ko's convention): a ``kodata`` directory inside the default target's package is
  shipped at ``/var/run/ko`` with ``KO_DATA_PATH`` pointing at it: layer ``kodata``. Only one
  target's kodata can own that path, so several targets with kodata are refused.

Files keep their relative paths; modes are normalised like every layer (0644, or 0755 when
executable) and owned by root, so the non-root process can read but not change them.
"""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

from gobuildpack import hookimpl
from gobuildpack.errors import BuildFailed
from gobuildpack.model import WORKSPACE, BuildContext, BuildResult, Target

KO_DATA_PATH = "/var/run/ko"
SKIP = {".git"}


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copy2(src, dst, follow_symlinks=False)


def keep_files(app_dir: Path, patterns: str) -> list[Path]:
    """The paths (relative to the app) that ``BP_KEEP_FILES`` selects, sorted."""
    found: set[Path] = set()
    root = app_dir.resolve()
    for pattern in (p.strip() for p in patterns.split(":")):
        if not pattern:
            continue
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise BuildFailed(
                f"BP_KEEP_FILES pattern {pattern!r} points outside the app directory",
                hint="use patterns relative to the app root, e.g. assets/*:templates/**",
            )
        for match in glob.glob(pattern, root_dir=root, recursive=True):
            rel = Path(match)
            if rel.parts and rel.parts[0] not in SKIP:
                found.add(rel)
    # Drop paths already covered by a kept parent directory.
    return sorted(p for p in found if not any(parent in found for parent in p.parents))


def _kodata_target(targets: list[Target]) -> Target | None:
    with_data = [t for t in targets if (t.dir / "kodata").is_dir()]
    if len(with_data) > 1:
        names = ", ".join(t.path for t in with_data)
        raise BuildFailed(
            f"several targets have a kodata directory ({names}), but one image has one "
            f"{KO_DATA_PATH}",
            hint="keep kodata in one target only, or ship shared files with BP_KEEP_FILES",
        )
    return with_data[0] if with_data else None


@hookimpl
def gobuildpack_build(context: BuildContext) -> BuildResult | None:
    app, plan = context.app, context.plan
    result = BuildResult()
    patterns = context.env.get("BP_KEEP_FILES", "")
    kept = keep_files(app.dir, patterns) if patterns.strip() else []
    if patterns.strip() and not kept:
        context.log.warn(f"BP_KEEP_FILES={patterns} matched no files in {app.dir}")
    if kept:
        layer = context.layer("files", launch=True, image_path=WORKSPACE)
        layer.owners[""] = (65532, 65532)  # keep /workspace owned by the run user
        for rel in kept:
            _copy(app.dir / rel, layer.path / rel)
        context.log.info(f"app-files: kept {len(kept)} path(s) in {WORKSPACE}")
    target = _kodata_target(plan.targets)
    if target is not None:
        layer = context.layer("kodata", launch=True, image_path=KO_DATA_PATH)
        shutil.copytree(target.dir / "kodata", layer.path, symlinks=True, dirs_exist_ok=True)
        result.launch_env["KO_DATA_PATH"] = KO_DATA_PATH
        context.log.info(f"app-files: {target.path}/kodata at {KO_DATA_PATH}")
    return result if (kept or target) else None
