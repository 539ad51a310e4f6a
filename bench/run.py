"""Benchmark gobuildpack against raw `go build` and a hand-written Dockerfile, side by side.

    .venv/bin/python bench/run.py [--exporters buildah,native] [--repeat 3] [--write FILE]

For each app (the samples and a generated 200-package app) it measures, in one run and
interleaved so that machine noise hits both sides alike:

* raw ``go build`` of the same targets with the same flags: cold (empty build and module caches),
  no-op (nothing changed), one-line change: the floor gobuildpack cannot beat;
* ``gobuildpack build`` with each exporter: cold cache, no-change rebuild, one-line-change rebuild;
* ``buildah bud`` of a two-line Dockerfile that copies the prebuilt binary onto scratch;
* image size (compressed layers) against the binary and the gzip-compressed binary;
* peak memory of the gobuildpack process itself (``peak_rss_kib`` in its JSON report), and
  while exporting a 200 MB binary.

Times are medians of ``--repeat`` runs (cold builds run once: each needs empty caches).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import genapp  # noqa: E402

GOBUILDPACK = [sys.executable, "-m", "gobuildpack"]
FLAGS = ["-trimpath", "-mod=readonly", "-ldflags=-s -w"]
END_MARKER = "<!-- end of measured results -->"


@dataclass
class App:
    name: str
    dir: Path
    targets: list[str]
    edit: Callable[[int], None]  # make a one-line change; the argument makes each edit new


@dataclass
class Row:
    app: str
    measures: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    memory_kib: dict[str, int] = field(default_factory=dict)


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _timed(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{result.stderr}")
    return elapsed, result.stdout


def _edit_go_file(path: Path, marker: str) -> Callable[[int], None]:
    """A one-line edit that changes what the binary prints, so the binary really changes."""
    original = path.read_text()
    assert marker in original, f"{marker!r} not in {path}"

    def edit(generation: int) -> None:
        path.write_text(original.replace(marker, f"{marker} (edit {generation})", 1))

    return edit


def _apps(work: Path, include_big: bool) -> list[App]:
    apps = []
    for name, targets, file, marker in [
        ("hello", ["."], "main.go", "Hello from gobuildpack!"),
        ("multi-cmd", ["./cmd/api", "./cmd/worker"], "cmd/worker/main.go", "worker: done"),
        ("withdeps", ["."], "main.go", "withdeps: listening"),
    ]:
        target = work / name
        shutil.copytree(REPO / "samples" / name, target)
        apps.append(App(name, target, targets, _edit_go_file(target / file, marker)))
    if include_big:
        big = genapp.generate(work / "bigapp")
        apps.append(
            App(
                "bigapp (200 packages)",
                big,
                ["./cmd/bigapp"],
                lambda generation: genapp.touch_one_line(big, generation),
            )
        )
    return apps


class Bench:
    def __init__(self, work: Path, exporters: list[str], repeat: int) -> None:
        self.work = work
        self.exporters = exporters
        self.repeat = repeat
        self.generation = 0
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("BP_", "GOFLAGS"))}
        self.env["GOTOOLCHAIN"] = "local"

    def _fresh(self, label: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=self.work))
        return path

    def _raw_env(self, cache: Path) -> dict[str, str]:
        return {
            **self.env,
            "CGO_ENABLED": "0",
            "GOCACHE": str(cache / "go-build"),
            "GOMODCACHE": str(cache / "go-mod"),
            "GOWORK": "off",
        }

    def _raw(self, app: App, cache: Path, out: Path) -> float:
        cmd = ["go", "build", "-o", f"{out}/", *FLAGS, *app.targets]
        return _timed(cmd, cwd=app.dir, env=self._raw_env(cache))[0]

    def _ours(
        self, app: App, exporter: str, cache: Path, out: Path, *extra: str
    ) -> tuple[float, dict[str, Any]]:
        env = {**self.env, "GOBUILDPACK_CACHE_DIR": str(cache)}
        cmd = [*GOBUILDPACK, "build", str(app.dir), "--exporter", exporter, "--json", "-q"]
        cmd += extra
        cmd += ["--output", f"oci:{out}:latest"]
        elapsed, stdout = _timed(cmd, cwd=REPO, env=env)
        return elapsed, json.loads(stdout)

    def _next_edit(self, app: App) -> None:
        self.generation += 1
        app.edit(self.generation)

    def measure(self, app: App) -> Row:
        row = Row(app.name)
        _log(f"{app.name}: cold builds")
        raw_cache, raw_out = self._fresh("raw-cache"), self._fresh("raw-out")
        row.measures["go build cold"] = self._raw(app, raw_cache, raw_out)
        ours: dict[str, tuple[Path, Path]] = {}
        for exporter in self.exporters:
            cache, out = self._fresh(f"{exporter}-cache"), self._fresh(f"{exporter}-out")
            ours[exporter] = (cache, out / "layout")
            elapsed, report = self._ours(app, exporter, cache, out / "layout")
            row.measures[f"{exporter} cold"] = elapsed
            row.memory_kib[exporter] = report["peak_rss_kib"]
            row.sizes[f"image ({exporter})"] = _image_size(out / "layout")

        _log(f"{app.name}: no-change rebuilds")
        samples: dict[str, list[float]] = {}
        for _ in range(self.repeat):
            samples.setdefault("go build no-op", []).append(self._raw(app, raw_cache, raw_out))
            for exporter, (cache, out) in ours.items():
                elapsed, report = self._ours(app, exporter, cache, out)
                samples.setdefault(f"{exporter} no-change", []).append(elapsed)
                elapsed, report = self._ours(app, exporter, cache, out, "--rebuild")
                samples.setdefault(f"{exporter} no-change --rebuild", []).append(elapsed)
                row.memory_kib[exporter] = max(row.memory_kib[exporter], report["peak_rss_kib"])

        _log(f"{app.name}: one-line-change rebuilds")
        for _ in range(self.repeat):
            self._next_edit(app)
            samples.setdefault("go build one-line", []).append(self._raw(app, raw_cache, raw_out))
            for exporter, (cache, out) in ours.items():
                self._next_edit(app)
                elapsed, _ = self._ours(app, exporter, cache, out)
                samples.setdefault(f"{exporter} one-line", []).append(elapsed)
        for key, values in samples.items():
            row.measures[key] = statistics.median(values)

        binaries = sorted(p for p in raw_out.iterdir() if p.is_file())
        row.sizes["binaries"] = sum(p.stat().st_size for p in binaries)
        row.sizes["binaries gzip"] = sum(_gzip_size(p, 6) for p in binaries)
        row.sizes["binaries gzip -1"] = sum(_gzip_size(p, 1) for p in binaries)
        if shutil.which("buildah"):
            row.measures["buildah bud Dockerfile"] = self._dockerfile(binaries)
        return row

    def _dockerfile(self, binaries: list[Path]) -> float:
        context = self._fresh("bud")
        lines = ["FROM scratch"]
        for binary in binaries:
            shutil.copy2(binary, context / binary.name)
            lines.append(f"COPY {binary.name} /usr/local/bin/{binary.name}")
        lines.append(f'ENTRYPOINT ["/usr/local/bin/{binaries[0].name}"]')
        (context / "Dockerfile").write_text("\n".join(lines) + "\n")
        times = []
        for i in range(self.repeat):
            out = context / f"out{i}"
            cmd = ["buildah", "bud", "-q", "-f", "Dockerfile", "-t", f"oci:{out}:latest", "."]
            times.append(_timed(cmd, cwd=context, env=self.env)[0])
        return statistics.median(times)


BIG_BINARY_MAIN = """// Command bigbinary embeds 200 MB of data: enough to show whether
// an exporter streams layers or holds them in memory.
package main

import (
	_ "embed"
	"fmt"
)

//go:embed blob.bin
var blob []byte

func main() { fmt.Println(len(blob)) }
"""


def big_binary_memory(bench: Bench) -> list[tuple[str, int, int, float]]:
    """(exporter, binary bytes, peak RSS KiB of gobuildpack, seconds) exporting a 200 MB binary."""
    app = bench.work / "bigbinary"
    app.mkdir()
    (app / "go.mod").write_text("module example.com/bigbinary\n\ngo 1.22\n")
    (app / "main.go").write_text(BIG_BINARY_MAIN)
    rng = random.Random(200)
    with (app / "blob.bin").open("wb") as fh:
        for _ in range(200):
            fh.write(rng.randbytes(1 << 20))  # incompressible: the worst case for gzip
    rows = []
    shared = bench._fresh("bigbinary-cache")
    for exporter in bench.exporters:
        _log(f"200 MB binary: {exporter}")
        cache = bench._fresh(f"bigbinary-{exporter}")
        for name in ("go-build", "go-mod"):
            (shared / name).mkdir(exist_ok=True)
            (cache / name).symlink_to(shared / name)
        out = bench._fresh(f"bigbinary-{exporter}-out") / "layout"
        bin_app = App("bigbinary", app, ["."], lambda generation: None)
        elapsed, report = bench._ours(bin_app, exporter, cache, out)
        size = sum(p.stat().st_size for p in (cache / "layers").rglob("bin/*") if p.is_file())
        rows.append((exporter, size, int(report["peak_rss_kib"]), elapsed))
    return rows


def _gzip_size(path: Path, level: int) -> int:
    """Size of ``path`` gzipped at ``level``, streamed (this process stays small: the children
    it forks would otherwise inherit its peak in their ru_maxrss)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            size += len(compressor.compress(chunk))
    return size + len(compressor.flush())


def _image_size(layout: Path) -> int:
    index = json.loads((layout / "index.json").read_text())
    digest = index["manifests"][-1]["digest"].split(":")[1]
    manifest = json.loads((layout / "blobs" / "sha256" / digest).read_text())
    return int(sum(layer["size"] for layer in manifest["layers"]) + manifest["config"]["size"])


def _machine() -> str:
    def first(cmd: list[str]) -> str:
        try:
            return (
                subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
            )
        except (OSError, IndexError):
            return "n/a"

    cpu = "n/a"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem_kib // 1024 // 1024} GiB RAM, "
        f"{platform.system()} {platform.release()}; {first(['go', 'version'])}; "
        f"Python {platform.python_version()}; {first(['buildah', '--version'])}"
    )


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a is not None and b else "n/a"


def render(rows: list[Row], exporters: list[str], args: str) -> str:
    out = [
        "| app | measure | seconds | ratio to raw go build |",
        "|---|---|---:|---:|",
    ]
    for row in rows:
        m = row.measures
        base = {
            "cold": m.get("go build cold"),
            "no-change": m.get("go build no-op"),
            "one-line": m.get("go build one-line"),
        }
        out.append(f"| {row.app} | go build cold | {base['cold']:.2f} | 1.00x |")
        out.append(f"| | go build no-op | {base['no-change']:.2f} | 1.00x |")
        out.append(f"| | go build one-line change | {base['one-line']:.2f} | 1.00x |")
        for exporter in exporters:
            for kind in ("cold", "no-change", "no-change --rebuild", "one-line"):
                value = m.get(f"{exporter} {kind}")
                if value is not None:
                    out.append(
                        f"| | gobuildpack ({exporter}) {kind} | {value:.2f} | "
                        f"{_ratio(value, base[kind.split()[0]])} |"
                    )
        if "buildah bud Dockerfile" in m:
            bud = m["buildah bud Dockerfile"]
            out.append(f"| | buildah bud Dockerfile (prebuilt binary) | {bud:.2f} | |")
    out += [
        "",
        "| app | binaries | gzip -6 | gzip -1 | image | image minus gzip -6 | image minus gzip -1 "
        "| peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for exporter in exporters:
            image = row.sizes.get(f"image ({exporter})")
            if image is None:
                continue
            binaries, packed = row.sizes["binaries"], row.sizes["binaries gzip"]
            fast = row.sizes["binaries gzip -1"]
            out.append(
                f"| {row.app} ({exporter}) | {binaries:,} | {packed:,} | {fast:,} | {image:,} "
                f"| {image - packed:+,} | {image - fast:+,} "
                f"| {row.memory_kib[exporter] / 1024:.0f} MiB |"
            )
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exporters", default="buildah,native")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-big", action="store_true", help="skip the generated 200-package app")
    parser.add_argument("--only", default="", help="comma-separated app names to run")
    parser.add_argument("--write", type=Path, help="also write the report to this Markdown file")
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the 200 MB binary memory measurement"
    )
    args = parser.parse_args()
    exporters = [e for e in args.exporters.split(",") if e]
    work = Path(tempfile.mkdtemp(prefix="gobuildpack-bench-"))
    try:
        bench = Bench(work, exporters, args.repeat)
        rows = []
        for app in _apps(work, include_big=not args.no_big):
            if args.only and app.name.split()[0] not in args.only.split(","):
                continue
            rows.append(bench.measure(app))
        table = render(rows, exporters, " ".join(sys.argv[1:]))
        if not args.no_memory:
            table += (
                "\n| exporting a 200 MB binary | binary | peak RSS of gobuildpack | seconds |\n"
            )
            table += "|---|---:|---:|---:|\n"
            for exporter, size, rss, elapsed in big_binary_memory(bench):
                table += f"| {exporter} | {size:,} | {rss / 1024:.0f} MiB | {elapsed:.1f} |\n"
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(work)], check=False)
        shutil.rmtree(work, ignore_errors=True)
    print(table)
    if args.write:
        measured = (
            "# Benchmarks\n\n"
            f"Measured on {time.strftime('%Y-%m-%d')}: {_machine()}.\n\n"
            f"Reproduce with `.venv/bin/python bench/run.py {' '.join(sys.argv[1:])}`.\n\n" + table
        )
        # Prose written below the marker (what the numbers mean) survives a new run.
        old = args.write.read_text() if args.write.exists() else ""
        _, marker, rest = old.partition(END_MARKER)
        args.write.write_text(measured + "\n" + END_MARKER + rest if marker else measured)


if __name__ == "__main__":
    main()
