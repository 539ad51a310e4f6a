"""Progress for people, on stderr. stdout is kept for results (image reference and digest)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Log:
    """Writes phase headers, steps and timings to a stream (stderr by default)."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self._stream = stream
        self.quiet = quiet

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def _write(self, text: str) -> None:
        if not self.quiet:
            self.stream.write(text + "\n")
            self.stream.flush()

    def phase(self, name: str) -> None:
        self._write(f"===> {name.upper()}")

    def info(self, message: str) -> None:
        self._write(f"     {message}")

    def warn(self, message: str) -> None:
        self._write(f"warning: {message}")

    @contextmanager
    def step(self, message: str) -> Iterator[None]:
        """Log ``message``, run the body, then log how long it took."""
        self._write(f"     {message} ...")
        start = time.monotonic()
        yield
        self._write(f"     {message}: done in {time.monotonic() - start:.2f}s")
