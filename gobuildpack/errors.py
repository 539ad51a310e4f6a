"""Error classes, one per kind of failure, each with its own exit code.

Every error the user can cause is a :class:`GobuildpackError`: it carries what went wrong, where
(a file and line when there is one) and what to do about it. The CLI prints it as one paragraph
and exits with the class's code, so scripts can tell failures apart. Any other exception is a bug
(or a plugin's bug, reported as :class:`PluginError` with the plugin's name).

===  ==========================  ==================================================
code class                        meaning
===  ==========================  ==================================================
2    UsageError                  bad command line (unknown output transport, --env)
12   PluginLoadError             a plugin could not be loaded or registered
20   NotAGoProject               the app directory has no go.mod
21   DetectFailed                a required buildpack did not pass detection
22   ProjectFileError            go.mod, go.work, vendor/modules.txt or project.toml is malformed
23   NoMainPackage               no main package to build
30   ToolchainError              Go is missing or too old for the project
51   BuildFailed                 go build / go mod download / a build step failed
60   ExportFailed                the exporter could not write the image
61   OutputError                 the output path cannot be written
69   MissingProgram              a program we drive (buildah, git) is not installed
130  (KeyboardInterrupt)         interrupted with ^C
===  ==========================  ==================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

__all__ = [
    "BuildFailed",
    "CommandFailed",
    "DetectFailed",
    "ExportFailed",
    "GobuildpackError",
    "MissingProgram",
    "NoMainPackage",
    "NotAGoProject",
    "OutputError",
    "PluginError",
    "PluginLoadError",
    "ProjectFileError",
    "ToolchainError",
    "UsageError",
]

EXIT_INTERRUPTED = 130


class GobuildpackError(Exception):
    """A failure the user can act on: what went wrong, where, and what to do."""

    exit_code: ClassVar[int] = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: Path | str | None = None,
        line: int | None = None,
        details: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = Path(file) if file is not None else None
        self.line = line
        self.details = details

    def location(self) -> str:
        if self.file is None:
            return ""
        if self.line is None:
            return f"{self.file}: "
        return f"{self.file}:{self.line}: "

    def render(self) -> str:
        """The paragraph the CLI prints: location, message, then hint, then any tool output."""
        text = f"error: {self.location()}{self.message}"
        if self.hint:
            text += f"\n  fix: {self.hint}"
        if self.details:
            indented = "\n".join("  | " + ln for ln in self.details.rstrip().splitlines())
            text += f"\n{indented}"
        return text

    def __str__(self) -> str:
        return f"{self.location()}{self.message}"


class UsageError(GobuildpackError):
    exit_code = 2


class PluginLoadError(GobuildpackError):
    exit_code = 12


class NotAGoProject(GobuildpackError):
    exit_code = 20


class DetectFailed(GobuildpackError):
    exit_code = 21


class ProjectFileError(GobuildpackError):
    """A project file (go.mod, go.work, vendor/modules.txt, project.toml) is malformed."""

    exit_code = 22


class NoMainPackage(GobuildpackError):
    exit_code = 23


class ToolchainError(GobuildpackError):
    exit_code = 30


class BuildFailed(GobuildpackError):
    exit_code = 51


class ExportFailed(GobuildpackError):
    exit_code = 60


class OutputError(GobuildpackError):
    exit_code = 61


class MissingProgram(GobuildpackError):
    exit_code = 69


class CommandFailed(GobuildpackError):
    """A program we ran exited non-zero. Phases catch it and re-raise their own class."""

    exit_code = 1

    def __init__(self, argv: list[str], returncode: int, output: str) -> None:
        super().__init__(
            f"`{' '.join(argv)}` exited with status {returncode}",
            details=output,
        )
        self.argv = argv
        self.returncode = returncode
        self.output = output


PHASE_EXIT_CODES: dict[str, int] = {
    "load": PluginLoadError.exit_code,
    "detect": DetectFailed.exit_code,
    "build": BuildFailed.exit_code,
    "export": ExportFailed.exit_code,
}


class PluginError(GobuildpackError):
    """A plugin raised an unexpected exception: named with its hook, exit code of its phase."""

    def __init__(self, plugin: str, hook: str, phase: str, exc: BaseException) -> None:
        super().__init__(
            f"plugin {plugin!r} failed in hook {hook}: {type(exc).__name__}: {exc}",
            hint=f"fix or remove the plugin {plugin!r}; "
            "set GOBUILDPACK_DEBUG=1 to see its traceback",
        )
        self.plugin = plugin
        self.hook = hook
        self.phase = phase
        self.__cause__ = exc

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return PHASE_EXIT_CODES.get(self.phase, 1)
