"""The one subprocess helper: every external program (go, buildah, git, skopeo) runs through here.

Argument lists only, never a shell string. The program is looked up first, and when it is missing
the error names the package that provides it. Output is captured (or streamed to stderr) and kept
for the error message; a non-zero exit raises :class:`~gobuildpack.errors.CommandFailed`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from gobuildpack.errors import CommandFailed, MissingProgram

# Which Debian/Ubuntu package provides each program we drive, for the "missing program" message.
PACKAGES: dict[str, str] = {
    "buildah": "buildah",
    "podman": "podman",
    "skopeo": "skopeo",
    "umoci": "umoci",
    "git": "git",
    "go": "golang-go (or a newer Go from https://go.dev/dl/)",
}


@dataclass(frozen=True)
class Result:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


def which(program: str, *, path: str | None = None) -> str:
    """Return the full path of ``program`` or raise MissingProgram naming the package to install."""
    if os.sep in program:
        if os.access(program, os.X_OK) and Path(program).is_file():
            return program
        found = None
    else:
        found = shutil.which(program, path=path)
    if found is None:
        package = PACKAGES.get(Path(program).name, Path(program).name)
        raise MissingProgram(
            f"the program `{program}` is needed but was not found on PATH",
            hint=f"install it (Debian/Ubuntu: `apt-get install {package}`), "
            "or run the setup script `.ci/setup` from the gobuildpack checkout",
        )
    return found


def _trace(argv: Sequence[str], cwd: Path | None) -> None:
    if os.environ.get("GOBUILDPACK_DEBUG"):
        where = f" (in {cwd})" if cwd else ""
        print(f"+ {shlex.join(argv)}{where}", file=sys.stderr, flush=True)


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    stream: bool = False,
    input: str | None = None,
    combine: bool = False,
) -> Result:
    """Run a program to completion.

    :param argv: program and arguments; ``argv[0]`` is looked up on PATH (of ``env`` if given).
    :param cwd: working directory.
    :param env: the complete environment for the child (``None``: inherit ours).
    :param check: raise CommandFailed on a non-zero exit.
    :param stream: copy the child's stderr to ours as it arrives (progress of long commands);
        it is still kept for the error message.
    :param input: text fed to the child's stdin.
    :param combine: send the child's stdout down the same pipe as its stderr, so both are kept
        (and, with ``stream``, shown) in the order written; ``Result.stdout`` is then empty.
    """
    args = [os.fspath(a) for a in argv]
    search_path = env.get("PATH") if env is not None else None
    args[0] = which(args[0], path=search_path)
    _trace(args, cwd)
    if stream:
        with subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if combine else subprocess.PIPE,
            text=True,
            errors="replace" if combine else None,
        ) as proc:
            if input is not None and proc.stdin is not None:
                proc.stdin.write(input)
                proc.stdin.close()
            assert proc.stdout is not None
            out_chunks: list[str] = []
            child_stdout: IO[str] | None = proc.stdout
            if combine:
                child_stderr, child_stdout = proc.stdout, None
            else:
                assert proc.stderr is not None
                child_stderr = proc.stderr
            reader = threading.Thread(
                target=lambda: out_chunks.append(child_stdout.read() if child_stdout else "")
            )
            reader.start()
            err_lines: list[str] = []
            for line in child_stderr:
                err_lines.append(line)
                sys.stderr.write("    " + line)
                sys.stderr.flush()
            reader.join()
            returncode = proc.wait()
        result = Result(args, returncode, "".join(out_chunks), "".join(err_lines))
    else:
        completed = subprocess.run(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if combine else subprocess.PIPE,
            text=True,
            errors="replace" if combine else None,
            check=False,
        )
        if combine:
            result = Result(args, completed.returncode, "", completed.stdout)
        else:
            result = Result(args, completed.returncode, completed.stdout, completed.stderr)
    if check and result.returncode != 0:
        output = (result.stderr + result.stdout).strip()
        raise CommandFailed(args, result.returncode, output)
    return result
