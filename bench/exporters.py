"""What each exporter costs: export time for the samples, every exporter side by side in one run.

    .venv/bin/python bench/exporters.py [--rounds 5] [--squashed-from REV]

Each round builds every sample with every exporter into a fresh ``oci:`` layout, interleaved so
that load on the machine falls on all of them alike, and reads the export phase's time from the
``--json`` report (the Go build cache is warmed first, so ``go build`` is the same for all). The
median and the spread are printed per sample and exporter, with the layer count of the image.

``--squashed-from REV`` also measures the Buildah exporter as it was at git revision REV (one
squashed layer), loaded from that revision as an extra plugin named ``buildah-squashed``: the
difference is what one layer per launch layer costs with Buildah.

Buildah and skopeo use a private store in a temporary directory, removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLES = ("hello", "multi-cmd")

SQUASHED_PLUGIN = """
import importlib.util
from pathlib import Path
from typing import Any

from gobuildpack import hookimpl, proc

_spec = importlib.util.spec_from_file_location(
    "buildah_squashed", Path(__file__).with_name("buildah_squashed.py")
)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)


@hookimpl
def gobuildpack_exporter(name, app):
    if name == "buildah-squashed":
        return _module.BuildahExporter(proc.which("buildah", path=app.env.get("PATH")), app.env)
    return None
"""


def _build(
    sample: str, exporter: str, out: Path, env: dict[str, str], extra: list[str]
) -> dict[str, Any]:
    argv = [sys.executable, "-m", "gobuildpack", "build", str(REPO / "samples" / sample)]
    argv += ["--exporter", exporter, "--output", f"oci:{out}:latest", "--json", "--quiet", *extra]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{result.stderr}")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _layers(layout: Path) -> int:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][0]["digest"].split(":", 1)[1]
    manifest = json.loads((layout / "blobs" / "sha256" / digest).read_text())
    return len(manifest["layers"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--exporters", default="buildah,native")
    parser.add_argument("--squashed-from", metavar="REV", default=None)
    args = parser.parse_args()
    exporters = args.exporters.split(",")
    work = Path(tempfile.mkdtemp(prefix="bench-exporters-"))
    runroot = Path(tempfile.mkdtemp(prefix="bench-run-"))  # short: conmon's socket paths
    env = dict(os.environ)
    conf = work / "storage.conf"
    conf.write_text(
        f'[storage]\ndriver = "overlay"\ngraphroot = "{work / "graph"}"\nrunroot = "{runroot}"\n'
    )
    env["CONTAINERS_STORAGE_CONF"] = str(conf)
    extra: list[str] = []
    try:
        if args.squashed_from:
            plugin = work / "squashed"
            plugin.mkdir()
            old = subprocess.run(
                ["git", "show", f"{args.squashed_from}:gobuildpack/exporters/buildah.py"],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            (plugin / "buildah_squashed.py").write_text(old)
            (plugin / "plugin.py").write_text(textwrap.dedent(SQUASHED_PLUGIN))
            extra = ["--buildpack", str(plugin)]
            exporters.append("buildah-squashed")
        times: dict[tuple[str, str], list[float]] = {}
        layers: dict[tuple[str, str], int] = {}
        for sample in SAMPLES:  # warm the Go caches
            _build(sample, "native", work / "warm", env, extra)
        for round_ in range(args.rounds):
            for sample in SAMPLES:
                for exporter in exporters:
                    out = work / f"{sample}-{exporter}-{round_}"
                    report = _build(sample, exporter, out, env, extra)
                    times.setdefault((sample, exporter), []).append(report["timings"]["export"])
                    layers[(sample, exporter)] = _layers(out)
                    shutil.rmtree(out)
        print(f"export phase, seconds over {args.rounds} rounds (median, min-max)")
        print(f"{'sample':<10} {'exporter':<17} {'layers':>6} {'median':>7} {'range':>13}")
        for (sample, exporter), values in times.items():
            print(
                f"{sample:<10} {exporter:<17} {layers[(sample, exporter)]:>6} "
                f"{statistics.median(values):>7.2f} {min(values):>6.2f}-{max(values):<6.2f}"
            )
    finally:
        subprocess.run(["buildah", "rm", "--all"], env=env, capture_output=True, check=False)
        subprocess.run(["buildah", "rmi", "--all"], env=env, capture_output=True, check=False)
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(runroot, ignore_errors=True)


if __name__ == "__main__":
    main()
