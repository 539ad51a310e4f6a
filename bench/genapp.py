"""Generate a large Go application for benchmarks: many packages, one big static binary.

    python bench/genapp.py OUT_DIR [--packages 200] [--funcs 42] [--cases 48]

The app is module ``example.com/bigapp`` with ``cmd/bigapp`` importing every package
``internal/pNNN``; each package holds ``--funcs`` functions, each a switch over ``--cases``
distinct string literals, all reachable from main (so the linker keeps them). The defaults give
200 packages and a binary of a little over 40 MB built with ``-s -w``. Output is deterministic:
the same arguments always give the same files. ``touch_one_line(app)`` changes one constant in
one package, which is what a "one-line change" rebuild means in the benchmark.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

MODULE = "example.com/bigapp"
TOUCHED = "internal/p000/p000.go"


def _package(index: int, funcs: int, cases: int, rng: random.Random) -> str:
    lines = [f"// Package p{index:03d} is generated for benchmarks.", f"package p{index:03d}", ""]
    lines.append(f'const Revision = "rev-{index}-0"')
    lines.append("")
    names = []
    for f in range(funcs):
        name = f"F{f:03d}"
        names.append(name)
        lines.append(f"func {name}(i int) string {{")
        lines.append("\tswitch i {")
        for c in range(cases):
            word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(64))
            lines.append(f'\tcase {c}:\n\t\treturn "{index}-{f}-{c}-{word}"')
        lines.append("\t}")
        lines.append("\treturn Revision")
        lines.append("}")
        lines.append("")
    lines.append("// Funcs keeps every function reachable from main.")
    lines.append(f"var Funcs = []func(int) string{{{', '.join(names)}}}")
    return "\n".join(lines) + "\n"


def generate(out: Path, packages: int = 200, funcs: int = 42, cases: int = 48) -> Path:
    rng = random.Random(20261203)
    out.mkdir(parents=True, exist_ok=True)
    (out / "go.mod").write_text(f"module {MODULE}\n\ngo 1.22\n")
    imports = []
    tables = []
    for i in range(packages):
        pkg = out / "internal" / f"p{i:03d}"
        pkg.mkdir(parents=True, exist_ok=True)
        (pkg / f"p{i:03d}.go").write_text(_package(i, funcs, cases, rng))
        imports.append(f'\t"{MODULE}/internal/p{i:03d}"')
        tables.append(f"\tp{i:03d}.Funcs,")
    main = out / "cmd" / "bigapp"
    main.mkdir(parents=True, exist_ok=True)
    (main / "main.go").write_text(
        "// Command bigapp prints a generated string per package: a large binary for benchmarks.\n"
        'package main\n\nimport (\n\t"fmt"\n\t"os"\n\n'
        + "\n".join(imports)
        + "\n)\n\nvar tables = [][]func(int) string{\n"
        + "\n".join(tables)
        + "\n}\n\nfunc main() {\n\tn := len(os.Args)\n\ttotal := 0\n"
        "\tfor _, t := range tables {\n\t\tfor _, f := range t {\n\t\t\ttotal += len(f(n))\n"
        '\t\t}\n\t}\n\tfmt.Printf("bigapp: %d packages, %d bytes of answers\\n", '
        "len(tables), total)\n}\n"
    )
    return out


def touch_one_line(app: Path, generation: int) -> None:
    """Change one constant in one package (a one-line edit that changes the binary)."""
    path = app / TOUCHED
    text = path.read_text()
    head, sep, _ = text.partition('const Revision = "rev-0-')
    rest = text.split("\n", text[: len(head)].count("\n") + 1)[-1]
    path.write_text(f'{head}{sep}{generation}"\n{rest}')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--funcs", type=int, default=42)
    parser.add_argument("--cases", type=int, default=48)
    args = parser.parse_args()
    generate(args.out, args.packages, args.funcs, args.cases)
    print(args.out)


if __name__ == "__main__":
    main()
