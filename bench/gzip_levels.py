"""Which gzip level for the native exporter: size and time of one layer at each level.

    .venv/bin/python bench/gzip_levels.py PATH/TO/A/GO/BINARY [--repeat 3]

The file is put in a layer and written exactly as the native exporter writes it (deterministic
tar, then deflate, both hashed, into a blob file); the best of ``--repeat`` runs is shown per level.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from gobuildpack.exporters.native import GZIP_LEVEL, write_layer_blob
from gobuildpack.model import BuildpackInfo, Layer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="the file to put in the layer (a Go binary)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per level (best is shown)")
    parser.add_argument("--levels", default="1,2,3,4,5,6,7,8,9")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gzip-levels-"))
    try:
        content = work / "layer" / "bin"
        content.mkdir(parents=True)
        shutil.copy(args.file, content / args.file.name)
        layer = Layer(BuildpackInfo("bench/gzip"), "layer", work / "layer", launch=True)
        size = args.file.stat().st_size
        print(
            f"{args.file} ({size / 1e6:.1f} MB), best of {args.repeat}; current level {GZIP_LEVEL}"
        )
        print(f"{'level':>5} {'size MB':>8} {'ratio':>6} {'seconds':>8} {'MB/s':>6}")
        for level in (int(x) for x in args.levels.split(",")):
            best = float("inf")
            for _ in range(args.repeat):
                blobs = work / f"blobs-{level}"
                blobs.mkdir()
                start = time.perf_counter()
                blob = write_layer_blob(layer, blobs, level=level)
                best = min(best, time.perf_counter() - start)
                shutil.rmtree(blobs)
            print(
                f"{level:>5} {blob.size / 1e6:>8.2f} {blob.size / size:>6.3f} {best:>8.2f} "
                f"{size / 1e6 / best:>6.0f}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
