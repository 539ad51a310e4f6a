"""Parsers for Go's ``go.mod``, ``go.work`` and ``vendor/modules.txt``, and Go version ordering.

Pure Python (stdlib only). The go.mod and go.work parsers follow ``golang.org/x/mod/modfile``
(the parser the go command itself uses) closely, so that a file the go command accepts parses
the same here, and a file it rejects fails here with the same message on the same line:

* The lexer is Go's: statements are lines; ``verb (`` ... ``)`` groups lines into a block; ``//``
  starts a comment (``/* */`` is an error); tokens are identifiers (runs of printable non-space
  characters other than ``()[]{},``), the punctuation ``( ) [ ] { } ,`` and quoted strings.
  Interpreted ``"..."`` strings use Go's escapes (``strconv.Unquote``). Raw `````...````` strings
  are scanned as one token but, exactly as in Go, rejected wherever a value is expected
  ("invalid quoted string: unquoted string cannot contain quote").
* Directives: ``module`` (with a ``// Deprecated:`` comment paragraph), ``go``, ``toolchain``,
  ``godebug``, ``require`` (``// indirect``), ``exclude``, ``replace`` (``=>``, optional versions,
  directory replacements), ``retract`` (a version or a ``[low, high]`` interval, its comments are
  the rationale), ``tool`` and ``ignore``; go.work has ``go``, ``toolchain``, ``godebug``, ``use``
  and ``replace``. An unknown directive or block type is an error, as in ``modfile.Parse``.
* Module versions must be semantic versions and are canonicalized as ``go mod edit -json`` shows
  them (``v1.2`` becomes ``v1.2.0``, build metadata other than ``+incompatible`` is dropped) and
  must match the path's major version suffix (``/v2`` needs ``v2.x.y``). Retract versions are kept
  as written, like ``go mod edit -json``, but must be valid semantic versions.

Deliberate differences from ``go mod edit -json``, each one something the go command rejects
later anyway (``go build`` fails on it): a missing or empty ``module`` line is an error; a ``go``
version must also be a valid Go version (``1.21.0rc1`` matches modfile's regexp, but is not a Go
version); a ``toolchain`` name must carry a valid Go version (``go1.21.3``, ``go1.22rc1``,
``go1.21.3-custom``, or ``default``), where modfile accepts anything starting with ``go1.``.
Only the first error is the exception's message; any further errors are listed in its details.

``vendor/modules.txt`` is parsed as ``cmd/go/internal/modload/vendor.go`` reads it, but where Go
silently skips a line it does not understand, this parser reports it: the file is always written
by ``go mod vendor``, so a malformed line means the file is corrupt or was edited by hand.

Go versions (:class:`GoVersion`) order exactly as ``go/version`` / ``internal/gover`` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from gobuildpack.errors import ProjectFileError

__all__ = [
    "Exclude",
    "GoMod",
    "GoVersion",
    "GoWork",
    "Replace",
    "Require",
    "Retract",
    "Use",
    "VendoredModule",
    "is_directory_path",
    "parse_gomod",
    "parse_gomod_text",
    "parse_gowork",
    "parse_gowork_text",
    "parse_modules_txt",
    "parse_modules_txt_text",
    "toolchain_version",
]

# --------------------------------------------------------------------------------------------
# Go versions


_GOVERSION_RE: Final = re.compile(
    r"(?P<major>0|[1-9][0-9]*)"
    r"(?:\.(?P<minor>0|[1-9][0-9]*)"
    r"(?:\.(?P<patch>0|[1-9][0-9]*)|(?P<kind>[a-z]+)(?P<num>0|[1-9][0-9]*)?)?)?"
)


@dataclass(frozen=True, eq=False)
class GoVersion:
    """A Go release or language version: ``1.21``, ``1.21.0``, ``1.21rc1``, ``1.23beta1``.

    Ordering and equality are Go's (``go/version.Compare``, ``internal/gover.Compare``):

    * Versions compare by major, then minor, then patch, then prerelease.
    * From Go 1.21 on, ``1.N`` (no patch) is the *language version*, which sorts before every
      release and prerelease of 1.N: ``1.21 < 1.21rc1 < 1.21.0 < 1.21.1 < 1.22``. Prereleases have
      no patch: ``1.21rc1`` is a prerelease of ``1.21.0``.
    * Before Go 1.21, ``1.N`` means ``1.N.0``: ``1.20 == 1.20.0`` and ``1.20rc1 < 1.20``.
    * A version with just a major number means ``1.0.0``: ``1 == 1.0.0``.
    * Prereleases order by kind as strings (``alpha < beta < rc``), then by number.

    ``has_patch`` is False for ``1.21``-style language versions and for prereleases (``patch`` is
    then 0). ``text`` keeps the spelling it was parsed from (without a ``go`` prefix), so
    ``str(GoVersion.parse("1.21")) == "1.21"`` and ``str(GoVersion.parse("1.20")) == "1.20"``
    even though the latter equals ``1.20.0``.
    """

    major: int
    minor: int
    patch: int = 0
    pre: str = ""
    has_patch: bool = True
    text: str = field(default="", repr=False)

    @classmethod
    def parse(cls, text: str) -> GoVersion:
        """Parse ``1.21``, ``1.21.3``, ``1.21rc1``, ``go1.22.3``; ValueError on anything else."""
        raw = text[2:] if text.startswith("go") else text
        m = _GOVERSION_RE.fullmatch(raw)
        if m is None:
            raise ValueError(f"invalid Go version {text!r}: must look like 1.23, 1.23.0 or 1.23rc1")
        major = int(m["major"])
        if m["minor"] is None:
            return cls(major, 0, 0, "", True, raw)
        minor = int(m["minor"])
        if m["patch"] is not None:
            return cls(major, minor, int(m["patch"]), "", True, raw)
        if m["kind"] is not None:
            return cls(major, minor, 0, m["kind"] + (m["num"] or ""), False, raw)
        # gover: "1.N" is "1.N.0" before 1.21 and the language version from 1.21 on.
        return cls(major, minor, 0, "", minor < 21, raw)

    def _key(self) -> tuple[int, int, int, str, int]:
        patch = self.patch if self.has_patch and not self.pre else -1
        kind = self.pre.rstrip("0123456789")
        num = self.pre[len(kind) :]
        return (self.major, self.minor, patch, kind, int(num) if num else -1)

    @property
    def lang(self) -> str:
        """The language version (``gover.Lang``): ``1.21.3`` and ``1.21rc1`` give ``1.21``."""
        if self.major == 1 and self.minor == 0:
            return "1"
        return f"{self.major}.{self.minor}"

    def __str__(self) -> str:
        if self.text:
            return self.text
        if self.pre:
            return f"{self.major}.{self.minor}{self.pre}"
        if self.has_patch:
            return f"{self.major}.{self.minor}.{self.patch}"
        return f"{self.major}.{self.minor}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GoVersion):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __lt__(self, other: GoVersion) -> bool:
        if not isinstance(other, GoVersion):
            return NotImplemented
        return self._key() < other._key()

    def __le__(self, other: GoVersion) -> bool:
        if not isinstance(other, GoVersion):
            return NotImplemented
        return self._key() <= other._key()

    def __gt__(self, other: GoVersion) -> bool:
        if not isinstance(other, GoVersion):
            return NotImplemented
        return self._key() > other._key()

    def __ge__(self, other: GoVersion) -> bool:
        if not isinstance(other, GoVersion):
            return NotImplemented
        return self._key() >= other._key()


def toolchain_version(name: str) -> GoVersion | None:
    """The Go version of a toolchain name, like ``gover.FromToolchain``, or None.

    ``go1.22.3`` gives 1.22.3; a suffix after ``+``, ``-`` or a space is dropped
    (``go1.22.3+auto``, ``go1.22.3-bigcorp``). ``default``, ``local``, ``path`` and anything that
    is not ``go`` followed by a valid Go version give None.
    """
    if "/" in name or "\\" in name or not name.startswith("go"):
        return None
    version = re.split(r"[+\- \t]", name[2:], maxsplit=1)[0]
    try:
        return GoVersion.parse(version)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Semantic versions and module paths (golang.org/x/mod/semver and module)

_PRE_ID: Final = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID: Final = r"[0-9A-Za-z-]+"
_SEMVER_RE: Final = re.compile(
    r"v(?P<major>0|[1-9][0-9]*)"
    r"(?:\.(?P<minor>0|[1-9][0-9]*)"
    r"(?:\.(?P<patch>0|[1-9][0-9]*)"
    rf"(?P<pre>-{_PRE_ID}(?:\.{_PRE_ID})*)?"
    rf"(?P<build>\+{_BUILD_ID}(?:\.{_BUILD_ID})*)?)?)?"
)


def _canonical_version(v: str) -> str | None:
    """``module.CanonicalVersion``: semver.Canonical keeping ``+incompatible``; None if invalid."""
    m = _SEMVER_RE.fullmatch(v)
    if m is None:
        return None
    build = m["build"] or ""
    if build:
        cv = v[: len(v) - len(build)]
    elif m["minor"] is None:
        cv = v + ".0.0"
    elif m["patch"] is None:
        cv = v + ".0"
    else:
        cv = v
    return cv + "+incompatible" if build == "+incompatible" else cv


def _semver_major(v: str) -> str:
    m = _SEMVER_RE.fullmatch(v)
    return f"v{m['major']}" if m else ""


def _split_path_version(path: str) -> tuple[str, str, bool]:
    """``module.SplitPathVersion``: (prefix, pathMajor, ok)."""
    if path.startswith("gopkg.in/"):
        i = len(path)
        if path.endswith("-unstable"):
            i -= len("-unstable")
        while i > 0 and "0" <= path[i - 1] <= "9":
            i -= 1
        if i <= 1 or path[i - 1] != "v" or path[i - 2] != ".":
            return path, "", False
        prefix, major = path[: i - 2], path[i - 2 :]
        if len(major) <= 2 or (major[2] == "0" and major != ".v0"):
            return path, "", False
        return prefix, major, True
    i = len(path)
    dot = False
    while i > 0 and ("0" <= path[i - 1] <= "9" or path[i - 1] == "."):
        dot = dot or path[i - 1] == "."
        i -= 1
    if i <= 1 or i == len(path) or path[i - 1] != "v" or path[i - 2] != "/":
        return path, "", True
    prefix, major = path[: i - 2], path[i - 2 :]
    if dot or len(major) <= 2 or major[2] == "0" or major == "/v1":
        return path, "", False
    return prefix, major, True


def _check_path_major(v: str, path_major: str) -> str | None:
    """``module.CheckPathMajor``: an error message, or None when v fits the path."""
    if path_major.startswith(".v") and path_major.endswith("-unstable"):
        path_major = path_major[: -len("-unstable")]
    if v.startswith("v0.0.0-") and path_major == ".v1":
        return None
    m = _semver_major(v)
    if path_major == "":
        if m in ("v0", "v1") or v.endswith("+incompatible"):
            return None
        want = "v0 or v1"
    else:
        if m == path_major[1:]:
            return None
        want = path_major[1:]
    return f"version {_go_quote(v)} invalid: should be {want}, not {m}"


def is_directory_path(path: str) -> bool:
    """``modfile.IsDirectoryPath``: ``.``, ``..``, ``./x``, ``../x``, ``/x`` (and Windows forms)."""
    return (
        path in (".", "..")
        or path.startswith(("./", ".\\", "../", "..\\", "/", "\\"))
        or (len(path) >= 2 and path[0].isascii() and path[0].isalpha() and path[1] == ":")
    )


# --------------------------------------------------------------------------------------------
# Public data


@dataclass(frozen=True)
class Require:
    """``require path version``; ``version`` is canonical (``v1.2`` is stored as ``v1.2.0``)."""

    path: str
    version: str
    indirect: bool
    line: int


@dataclass(frozen=True)
class Replace:
    """``replace old [v] => new [v]``. A directory replacement has ``new_version`` None."""

    old_path: str
    old_version: str | None
    new_path: str
    new_version: str | None
    line: int

    @property
    def is_local(self) -> bool:
        """Whether the replacement is a directory (``./x``, ``../x``, ``/x``), not a module."""
        return is_directory_path(self.new_path)


@dataclass(frozen=True)
class Exclude:
    path: str
    version: str
    line: int


@dataclass(frozen=True)
class Retract:
    """``retract v1.2.3`` (``low == high``) or ``retract [v1.0.0, v1.1.0]``, with its comments."""

    low: str
    high: str
    rationale: str
    line: int


@dataclass(frozen=True)
class GoMod:
    file: Path
    module: str
    module_deprecated: str | None
    go: str | None
    toolchain: str | None
    godebug: tuple[tuple[str, str], ...]
    requires: tuple[Require, ...]
    replaces: tuple[Replace, ...]
    excludes: tuple[Exclude, ...]
    retracts: tuple[Retract, ...]
    tools: tuple[str, ...]
    ignores: tuple[str, ...]
    go_line: int | None
    toolchain_line: int | None


@dataclass(frozen=True)
class Use:
    path: str
    line: int


@dataclass(frozen=True)
class GoWork:
    file: Path
    go: str | None
    toolchain: str | None
    godebug: tuple[tuple[str, str], ...]
    uses: tuple[Use, ...]
    replaces: tuple[Replace, ...]
    go_line: int | None
    toolchain_line: int | None


@dataclass(frozen=True)
class VendoredModule:
    """One ``# path version [=> replacement [version]]`` entry of vendor/modules.txt.

    ``version`` is "" for a replacement of all versions (``# path => ./local``).
    ``replacement`` is the replacement's path (a directory or a module path) and
    ``replacement_version`` its version (None for a directory).
    """

    path: str
    version: str
    explicit: bool
    go: str | None
    replacement: str | None
    packages: tuple[str, ...]
    replacement_version: str | None = None


# --------------------------------------------------------------------------------------------
# Small Go string helpers

# unicode.IsSpace, which strings.TrimSpace / strings.Fields use (str.isspace differs slightly).
_GO_SPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
_GO_FIELDS_RE: Final = re.compile(f"[{re.escape(_GO_SPACE)}]+")


def _trim_space(s: str) -> str:
    return s.strip(_GO_SPACE)


def _fields(s: str) -> list[str]:
    return [f for f in _GO_FIELDS_RE.split(s) if f]


def _go_quote(s: str) -> str:
    """Approximately ``strconv.Quote`` (what Go's ``%q`` prints)."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


_SIMPLE_ESCAPES: Final = {
    "a": 7,
    "b": 8,
    "f": 12,
    "n": 10,
    "r": 13,
    "t": 9,
    "v": 11,
    "\\": 92,
    '"': 34,
}


def _go_unquote(s: str) -> str:
    """``strconv.Unquote`` for a double-quoted string; ValueError("invalid syntax") otherwise."""
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        raise ValueError("invalid syntax")
    body = s[1:-1]
    if "\n" in body:
        raise ValueError("invalid syntax")
    if "\\" not in body and '"' not in body:
        return body
    buf = bytearray()
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        i += 1
        if ch == '"':
            raise ValueError("invalid syntax")
        if ch != "\\":
            buf += ch.encode("utf-8", "surrogatepass")
            continue
        if i >= n:
            raise ValueError("invalid syntax")
        esc = body[i]
        i += 1
        if esc in _SIMPLE_ESCAPES:
            buf.append(_SIMPLE_ESCAPES[esc])
        elif esc in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[esc]
            digits = body[i : i + width]
            if len(digits) != width or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError("invalid syntax")
            i += width
            value = int(digits, 16)
            if esc == "x":
                buf.append(value)
            elif value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                raise ValueError("invalid syntax")
            else:
                buf += chr(value).encode("utf-8")
        elif "0" <= esc <= "7":
            digits = esc + body[i : i + 2]
            if len(digits) != 3 or any(not "0" <= c <= "7" for c in digits):
                raise ValueError("invalid syntax")
            i += 2
            value = int(digits, 8)
            if value > 255:
                raise ValueError("invalid syntax")
            buf.append(value)
        else:
            raise ValueError("invalid syntax")
    try:
        return buf.decode("utf-8")
    except UnicodeDecodeError:
        # Go would keep the invalid bytes; no valid module path or version contains them.
        raise ValueError("string is not valid UTF-8") from None


# --------------------------------------------------------------------------------------------
# Reading files


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProjectFileError(
            f"cannot read {path.name}: {exc.strerror or exc}",
            file=path,
            hint="check that the file exists and is readable",
        ) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ProjectFileError(
            f"{path.name} is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            file=path,
            line=line,
            hint="save the file as UTF-8",
        ) from None


# --------------------------------------------------------------------------------------------
# Lexer and statement parser (modfile/read.go)

_EOF: Final = "EOF"
_EOLCOMMENT: Final = "EOLCOMMENT"
_COMMENT: Final = "COMMENT"
_IDENT: Final = "IDENT"
_STRING: Final = "STRING"
_PUNCT: Final = "\n()[]{},"

_SYNTAX_HINT: Final = (
    "fix the syntax by hand; the format is described at https://go.dev/ref/mod#go-mod-file"
)


@dataclass(frozen=True)
class _Tok:
    kind: str  # one of the constants above, or the punctuation character itself
    text: str
    line: int

    @property
    def is_eol(self) -> bool:
        return self.kind in (_EOF, _EOLCOMMENT, "\n")


@dataclass
class _Line:
    tokens: list[str]
    line: int
    before: list[str] = field(default_factory=list)  # comment lines; "" marks a blank line
    suffix: list[str] = field(default_factory=list)  # the end-of-line comment


@dataclass
class _Block:
    tokens: list[str]
    line: int
    lines: list[_Line]
    before: list[str] = field(default_factory=list)


def _is_ident(c: str) -> bool:
    return c not in " ()[]{}," and c not in _GO_SPACE and c.isprintable()


class _Parser:
    """Go's lexer and statement parser, with one token of lookahead as in modfile."""

    def __init__(self, text: str, file: Path) -> None:
        self.s = text
        self.i = 0
        self.line = 1
        self.file = file
        self.tok = self._read()

    def error(self, message: str, line: int, hint: str = _SYNTAX_HINT) -> ProjectFileError:
        return ProjectFileError(message, file=self.file, line=line, hint=hint)

    def peek(self) -> _Tok:
        return self.tok

    def lex(self) -> _Tok:
        tok = self.tok
        self.tok = self._read()
        return tok

    def _read(self) -> _Tok:
        s = self.s
        n = len(s)
        while self.i < n:
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
                continue
            if s.startswith("//", self.i):
                start, line = self.i, self.line
                line_start = s.rfind("\n", 0, start) + 1
                suffix = _trim_space(s[line_start:start]) != ""
                end = s.find("\n", start)
                if end < 0:
                    text = s[start:]
                    self.i = n
                else:
                    text = s[start:end]
                    text = text.removesuffix("\r")
                    self.i = end + 1
                    self.line += 1
                return _Tok(_EOLCOMMENT if suffix else _COMMENT, text, line)
            if s.startswith("/*", self.i):
                raise self.error("mod files must use // comments (not /* */ comments)", self.line)
            break
        if self.i >= n:
            return _Tok(_EOF, "", self.line)
        c = s[self.i]
        line = self.line
        if c in _PUNCT:
            self.i += 1
            if c == "\n":
                self.line += 1
            return _Tok(c, c, line)
        if c in '"`':
            return self._read_string(c)
        if not _is_ident(c):
            hint = _SYNTAX_HINT
            if c == "\ufeff":
                hint = "save the file as UTF-8 without a byte-order mark (BOM)"
            raise self.error(f"unexpected input character {c!r}", line, hint)
        start = self.i
        while self.i < n and _is_ident(s[self.i]):
            if s.startswith("//", self.i):
                break
            if s.startswith("/*", self.i):
                raise self.error("mod files must use // comments (not /* */ comments)", line)
            self.i += 1
        return _Tok(_IDENT, s[start : self.i], line)

    def _read_string(self, quote: str) -> _Tok:
        s = self.s
        n = len(s)
        start, line = self.i, self.line
        hint = "close the string with a matching quote on the same line"
        self.i += 1
        while True:
            if self.i >= n:
                raise self.error(
                    "unterminated quoted string: unexpected end of file in string", line, hint
                )
            if s[self.i] == "\n":
                raise self.error(
                    "unterminated quoted string: unexpected newline in string", self.line, hint
                )
            c = s[self.i]
            self.i += 1
            if c == quote:
                break
            if c == "\\" and quote != "`":
                if self.i >= n:
                    raise self.error(
                        "unterminated quoted string: unexpected end of file in string", line, hint
                    )
                if s[self.i] == "\n":
                    self.line += 1
                self.i += 1
        return _Tok(_STRING, s[start : self.i], line)

    def parse_file(self) -> list[_Line | _Block]:
        stmts: list[_Line | _Block] = []
        comments: list[str] | None = None
        while True:
            kind = self.peek().kind
            if kind == "\n":
                self.lex()
                comments = None  # a blank line ends a comment block
            elif kind == _COMMENT:
                if comments is None:
                    comments = []
                comments.append(self.lex().text)
            elif kind == _EOLCOMMENT:  # cannot start a statement; skip defensively
                self.lex()
            elif kind == _EOF:
                return stmts
            else:
                stmt = self._parse_stmt()
                if comments is not None:
                    stmt.before = comments
                    comments = None
                stmts.append(stmt)

    def _parse_stmt(self) -> _Line | _Block:
        first = self.lex()
        tokens = [first.text]
        while True:
            tok = self.lex()
            if tok.is_eol:
                suffix = [tok.text] if tok.kind == _EOLCOMMENT else []
                return _Line(tokens, first.line, suffix=suffix)
            if tok.kind == "(":
                nxt = self.peek()
                if nxt.is_eol:
                    return self._parse_block(first.line, tokens)
                if nxt.kind == ")":
                    self.lex()
                    if self.peek().is_eol:
                        self.lex()
                        return _Block(tokens, first.line, [])
                    tokens += ["(", ")"]
                    continue
            tokens.append(tok.text)

    def _parse_block(self, start: int, tokens: list[str]) -> _Block:
        block = _Block(tokens, start, [])
        comments: list[str] = []
        while True:
            tok = self.peek()
            if tok.kind == _EOLCOMMENT:  # a comment after "("
                self.lex()
            elif tok.kind == "\n":
                self.lex()
                if (not comments and block.lines) or (comments and comments[-1] != ""):
                    comments.append("")
            elif tok.kind == _COMMENT:
                comments.append(self.lex().text)
            elif tok.kind == _EOF:
                raise self.error(
                    f"syntax error: unterminated block: '{' '.join(tokens)} (' has no closing ')'",
                    start,
                )
            elif tok.kind == ")":
                rparen = self.lex()
                if not self.peek().is_eol:
                    raise self.error(
                        "syntax error (expected newline after closing paren)", rparen.line
                    )
                self.lex()
                return block
            else:
                line = self._parse_line()
                line.before = comments
                comments = []
                block.lines.append(line)

    def _parse_line(self) -> _Line:
        first = self.lex()
        tokens = [first.text]
        while True:
            tok = self.lex()
            if tok.is_eol:
                suffix = [tok.text] if tok.kind == _EOLCOMMENT else []
                return _Line(tokens, first.line, suffix=suffix)
            tokens.append(tok.text)


# --------------------------------------------------------------------------------------------
# Interpreting statements (modfile/rule.go)


class _LineError(Exception):
    """An error in one directive; the caller adds the file and line."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


_GOMOD_VERBS: Final = (
    "module",
    "go",
    "toolchain",
    "godebug",
    "require",
    "exclude",
    "replace",
    "retract",
    "tool",
    "ignore",
)
_GOMOD_BLOCKS: Final = (
    "module",
    "godebug",
    "require",
    "exclude",
    "replace",
    "retract",
    "tool",
    "ignore",
)
_GOWORK_VERBS: Final = ("go", "toolchain", "godebug", "use", "replace")
_GOWORK_BLOCKS: Final = ("godebug", "use", "replace")

# modfile.GoVersionRE
_GO_DIRECTIVE_RE: Final = re.compile(
    r"([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?"
)
_DEPRECATED_RE: Final = re.compile(r"(?:^|\n\n)Deprecated: *(.*?)(?:\Z|\n\n)", re.S)

_TIDY_HINT: Final = "fix the line, or run `go mod tidy`"
_QUOTE_HINT: Final = (
    'quote a value with double quotes ("..."); raw `...` strings and stray quote characters '
    "are not allowed"
)
_VERSION_HINT: Final = (
    "use a semantic version such as v1.2.3; `go mod tidy` or `go get module@branch` "
    "resolves branch names and short versions"
)


def _parse_string(token: str) -> str:
    """``modfile.parseString``: unquote a "..." token; reject other quote characters."""
    if token.startswith('"'):
        try:
            return _go_unquote(token)
        except ValueError as exc:
            raise _LineError(f"invalid quoted string: {exc}", _QUOTE_HINT) from None
    if any(q in token for q in "\"'`"):
        raise _LineError("invalid quoted string: unquoted string cannot contain quote", _QUOTE_HINT)
    return token


def _prefix(verb: str, path: str) -> str:
    return f"{verb} {path}: " if path else f"{verb}: "


def _parse_version(verb: str, path: str, token: str, *, canonical: bool = True) -> str:
    """``modfile.parseVersion`` without a fixer: the token must be a semantic version."""
    try:
        t = _parse_string(token)
    except _LineError as exc:
        detail = exc.message.removeprefix("invalid quoted string: ")
        raise _LineError(
            f"{_prefix(verb, path)}version {_go_quote(token)} invalid: {detail}", _QUOTE_HINT
        ) from None
    cv = _canonical_version(t)
    if cv is None:
        raise _LineError(
            f"{_prefix(verb, path)}version {_go_quote(t)} invalid: must be of the form v1.2.3",
            _VERSION_HINT,
        )
    return cv if canonical else t


def _path_major(verb: str, path: str) -> str:
    _, major, ok = _split_path_version(path)
    if not ok:
        raise _LineError(
            f"{verb} {path}: invalid module path",
            "a module path may end in a major version suffix /v2 or higher, not /v0, /v1 or /v1.2",
        )
    return major


def _check_major(verb: str, path: str, version: str, major: str) -> None:
    problem = _check_path_major(version, major)
    if problem is not None:
        raise _LineError(
            f"{verb} {path}: {problem}",
            "a module path ending in /vN needs a vN.x.y version (v0 or v1 without a suffix; "
            "older v2+ modules without go.mod need +incompatible)",
        )


def _check_go(args: list[str], what: str) -> str:
    if len(args) != 1:
        raise _LineError(
            "go directive expects exactly one argument", f"write it as `go 1.23.0` in {what}"
        )
    v = args[0]
    valid = _GO_DIRECTIVE_RE.fullmatch(v) is not None
    if valid:
        try:
            GoVersion.parse(v)
        except ValueError:
            valid = False
    if not valid:
        raise _LineError(
            f"invalid go version '{v}': must match format 1.23.0",
            "write the Go version as `go 1.23` or `go 1.23.0` (no `go` prefix, no `.x`)",
        )
    return v


def _check_toolchain(args: list[str]) -> str:
    hint = "write it as `toolchain go1.23.0`, or remove the line"
    if len(args) != 1:
        raise _LineError("toolchain directive expects exactly one argument", hint)
    name = args[0]
    looks_ok = name == "default" or name == "go1" or name.startswith("go1.")
    if not looks_ok or (name != "default" and toolchain_version(name) is None):
        raise _LineError(
            f"invalid toolchain version '{name}': must match format go1.23.0 or default", hint
        )
    return name


def _parse_godebug(args: list[str]) -> tuple[str, str]:
    if len(args) != 1 or any(c in args[0] for c in "\"`',") or "=" not in args[0]:
        raise _LineError(
            "usage: godebug key=value", "write it as `godebug key=value`, e.g. `godebug panicnil=1`"
        )
    key, _, value = args[0].partition("=")
    return key, value


def _parse_replace(verb: str, args: list[str], line: int) -> Replace:
    arrow = 1 if len(args) >= 2 and args[1] == "=>" else 2
    if len(args) < arrow + 2 or len(args) > arrow + 3 or args[arrow] != "=>":
        raise _LineError(
            f"usage: {verb} module/path [v1.2.3] => other/module v1.4\n"
            f"\t or {verb} module/path [v1.2.3] => ../local/directory",
            "write it as `replace old/module [v1.2.3] => new/module v1.4.0` "
            "or `replace old/module => ../local/dir`",
        )
    old = _parse_string(args[0])
    major = _path_major(verb, old)
    old_version: str | None = None
    if arrow == 2:
        old_version = _parse_version(verb, old, args[1])
        _check_major(verb, old, old_version, major)
    new = _parse_string(args[arrow + 1])
    new_version: str | None = None
    if len(args) == arrow + 2:
        if not is_directory_path(new):
            if "@" in new:
                raise _LineError(
                    "replacement module must match format 'path version', not 'path@version'",
                    "write the replacement as `new/module v1.2.3`",
                )
            raise _LineError(
                "replacement module without version must be directory path "
                "(rooted or starting with . or ..)",
                "add a version to the replacement module, or write a local directory as ./dir",
            )
        if "\\" in new:
            raise _LineError(
                "replacement directory appears to be Windows path (on a non-windows system)",
                "write the directory with forward slashes",
            )
    else:
        new_version = _parse_version(verb, new, args[arrow + 2])
        if is_directory_path(new):
            raise _LineError(
                f"replacement module directory path {_go_quote(new)} cannot have version",
                "remove the version after the local directory",
            )
    return Replace(old, old_version, new, new_version, line)


def _parse_retract(args: list[str]) -> tuple[str, str]:
    """``modfile.parseVersionInterval`` plus the check for tokens after the interval."""
    hint = "write it as `retract v1.2.3` or `retract [v1.0.0, v1.2.3]`"
    if not args or args[0] == "(":
        raise _LineError("expected '[' or version", hint)
    if args[0] != "[":
        low = high = _parse_version("retract", "", args[0], canonical=False)
        rest = args[1:]
    else:
        toks = args[1:]
        if not toks:
            raise _LineError("expected version after '['", hint)
        low = _parse_version("retract", "", toks[0], canonical=False)
        toks = toks[1:]
        if not toks or toks[0] != ",":
            raise _LineError("expected ',' after version", hint)
        toks = toks[1:]
        if not toks:
            raise _LineError("expected version after ','", hint)
        high = _parse_version("retract", "", toks[0], canonical=False)
        toks = toks[1:]
        if not toks or toks[0] != "]":
            raise _LineError("expected ']' after version", hint)
        rest = toks[1:]
    if rest:
        raise _LineError(f"unexpected token after version: {_go_quote(rest[0])}", hint)
    return low, high


def _directive_comment(block: _Block | None, line: _Line) -> str:
    """``modfile.parseDirectiveComment``: the line's comments, else its block's."""
    comments = line.before + line.suffix
    if block is not None and not line.before and not line.suffix:
        comments = block.before
    return "\n".join(_trim_space(c[2:]) for c in comments if c.startswith("//"))


def _is_indirect(line: _Line) -> bool:
    if not line.suffix:
        return False
    f = _fields(line.suffix[0].removeprefix("//"))
    return (len(f) == 1 and f[0] == "indirect") or (len(f) > 1 and f[0] == "indirect;")


def _raise_first(errors: list[tuple[int | None, str, str]], file: Path) -> None:
    if not errors:
        return
    line, message, hint = errors[0]
    details = None
    if len(errors) > 1:
        details = "further errors:\n" + "\n".join(
            f"{file}:{ln}: {msg}" if ln is not None else f"{file}: {msg}"
            for ln, msg, _ in errors[1:]
        )
    raise ProjectFileError(message, file=file, line=line, hint=hint, details=details)


def _statements(
    stmts: list[_Line | _Block], blocks: tuple[str, ...], errors: list[tuple[int | None, str, str]]
) -> Iterator[tuple[_Block | None, _Line, str, list[str]]]:
    """Flatten statements to (block, line, verb, args), reporting unknown block types in order."""
    for stmt in stmts:
        if isinstance(stmt, _Line):
            yield (None, stmt, stmt.tokens[0], stmt.tokens[1:])
        elif len(stmt.tokens) > 1 or stmt.tokens[0] not in blocks:
            errors.append(
                (
                    stmt.line,
                    f"unknown block type: {' '.join(stmt.tokens)}",
                    f"only these directives can be grouped in ( ... ) blocks: {', '.join(blocks)}",
                )
            )
        else:
            yield from ((stmt, line, stmt.tokens[0], line.tokens) for line in stmt.lines)


def parse_gomod(path: Path) -> GoMod:
    """Parse a go.mod file; ProjectFileError if it cannot be read or is malformed."""
    return parse_gomod_text(_read_text(path), path)


def parse_gomod_text(text: str, file: Path) -> GoMod:
    """Parse the text of a go.mod file; ``file`` names it in errors."""
    stmts = _Parser(text, file).parse_file()
    errors: list[tuple[int | None, str, str]] = []
    module: str | None = None
    module_line: int | None = None
    deprecated: str | None = None
    go: str | None = None
    go_line: int | None = None
    toolchain: str | None = None
    toolchain_line: int | None = None
    godebug: list[tuple[str, str]] = []
    requires: list[Require] = []
    replaces: list[Replace] = []
    excludes: list[Exclude] = []
    retracts: list[Retract] = []
    tools: list[str] = []
    ignores: list[str] = []
    seen_module = False

    for block, line, verb, args in _statements(stmts, _GOMOD_BLOCKS, errors):
        try:
            if verb == "module":
                if seen_module:
                    raise _LineError("repeated module statement", "remove the extra module line")
                seen_module = True
                module_line = line.line
                m = _DEPRECATED_RE.search(_directive_comment(block, line))
                deprecated = m[1] if m and m[1] else None
                if len(args) != 1:
                    raise _LineError(
                        "usage: module module/path", "write it as `module example.com/yourapp`"
                    )
                module = _parse_string(args[0])
            elif verb == "go":
                if go is not None:
                    raise _LineError("repeated go statement", "remove the extra go line")
                go = _check_go(args, "go.mod")
                go_line = line.line
            elif verb == "toolchain":
                if toolchain is not None:
                    raise _LineError(
                        "repeated toolchain statement", "remove the extra toolchain line"
                    )
                toolchain = _check_toolchain(args)
                toolchain_line = line.line
            elif verb == "godebug":
                godebug.append(_parse_godebug(args))
            elif verb in ("require", "exclude"):
                if len(args) != 2:
                    raise _LineError(
                        f"usage: {verb} module/path v1.2.3",
                        f"write it as `{verb} example.com/module v1.2.3`; {_TIDY_HINT}",
                    )
                path = _parse_string(args[0])
                version = _parse_version(verb, path, args[1])
                _check_major(verb, path, version, _path_major(verb, path))
                if verb == "require":
                    requires.append(Require(path, version, _is_indirect(line), line.line))
                else:
                    excludes.append(Exclude(path, version, line.line))
            elif verb == "replace":
                replaces.append(_parse_replace(verb, args, line.line))
            elif verb == "retract":
                rationale = _directive_comment(block, line)
                low, high = _parse_retract(args)
                retracts.append(Retract(low, high, rationale, line.line))
            elif verb in ("tool", "ignore"):
                if len(args) != 1:
                    raise _LineError(
                        f"{verb} directive expects exactly one argument",
                        f"write one path per {verb} line",
                    )
                (tools if verb == "tool" else ignores).append(_parse_string(args[0]))
            else:
                raise _LineError(
                    f"unknown directive: {verb}",
                    f"check the spelling (go.mod directives: {', '.join(_GOMOD_VERBS)}), "
                    "or remove the line",
                )
        except _LineError as exc:
            errors.append((line.line, exc.message, exc.hint))

    _raise_first(errors, file)
    if module is None:
        raise ProjectFileError(
            "missing module declaration",
            file=file,
            hint="add a line like `module example.com/yourapp` at the top "
            "(`go mod edit -module=example.com/yourapp`)",
        )
    if not module:
        raise ProjectFileError(
            "empty module path",
            file=file,
            line=module_line,
            hint="name the module, e.g. `module example.com/yourapp`",
        )
    return GoMod(
        file=file,
        module=module,
        module_deprecated=deprecated,
        go=go,
        toolchain=toolchain,
        godebug=tuple(godebug),
        requires=tuple(requires),
        replaces=tuple(replaces),
        excludes=tuple(excludes),
        retracts=tuple(retracts),
        tools=tuple(tools),
        ignores=tuple(ignores),
        go_line=go_line,
        toolchain_line=toolchain_line,
    )


def parse_gowork(path: Path) -> GoWork:
    """Parse a go.work file; ProjectFileError if it cannot be read or is malformed."""
    return parse_gowork_text(_read_text(path), path)


def parse_gowork_text(text: str, file: Path) -> GoWork:
    """Parse the text of a go.work file; ``file`` names it in errors."""
    stmts = _Parser(text, file).parse_file()
    errors: list[tuple[int | None, str, str]] = []
    go: str | None = None
    go_line: int | None = None
    toolchain: str | None = None
    toolchain_line: int | None = None
    godebug: list[tuple[str, str]] = []
    uses: list[Use] = []
    replaces: list[Replace] = []

    for _block, line, verb, args in _statements(stmts, _GOWORK_BLOCKS, errors):
        try:
            if verb == "go":
                if go is not None:
                    raise _LineError("repeated go statement", "remove the extra go line")
                go = _check_go(args, "go.work")
                go_line = line.line
            elif verb == "toolchain":
                if toolchain is not None:
                    raise _LineError(
                        "repeated toolchain statement", "remove the extra toolchain line"
                    )
                toolchain = _check_toolchain(args)
                toolchain_line = line.line
            elif verb == "godebug":
                godebug.append(_parse_godebug(args))
            elif verb == "use":
                if len(args) != 1:
                    raise _LineError("usage: use local/dir", "write one directory per use line")
                uses.append(Use(_parse_string(args[0]), line.line))
            elif verb == "replace":
                replaces.append(_parse_replace(verb, args, line.line))
            else:
                raise _LineError(
                    f"unknown directive: {verb}",
                    f"check the spelling (go.work directives: {', '.join(_GOWORK_VERBS)}), "
                    "or remove the line",
                )
        except _LineError as exc:
            errors.append((line.line, exc.message, exc.hint))

    _raise_first(errors, file)
    return GoWork(
        file=file,
        go=go,
        toolchain=toolchain,
        godebug=tuple(godebug),
        uses=tuple(uses),
        replaces=tuple(replaces),
        go_line=go_line,
        toolchain_line=toolchain_line,
    )


# --------------------------------------------------------------------------------------------
# vendor/modules.txt

_VENDOR_HINT: Final = "regenerate it with `go mod vendor` (`go work vendor` in a workspace)"


@dataclass
class _VendorEntry:
    path: str
    version: str
    replacement: str | None
    replacement_version: str | None
    explicit: bool = False
    go: str | None = None
    packages: list[str] = field(default_factory=list)


def parse_modules_txt(path: Path) -> tuple[VendoredModule, ...]:
    """Parse vendor/modules.txt; ProjectFileError if it cannot be read or is malformed."""
    return parse_modules_txt_text(_read_text(path), path)


def parse_modules_txt_text(text: str, file: Path) -> tuple[VendoredModule, ...]:
    """Parse the text of vendor/modules.txt, in file order.

    ``# path version [=> new/path [version]]`` starts a module, ``# path => new/path [version]`` a
    replacement of every version; ``## explicit; go 1.21`` annotates the module above it (unknown
    annotations are ignored, as Go reserves them, and ``## workspace`` may start the file); every
    other non-empty line names one package of the module above it.
    """
    entries: list[_VendorEntry] = []

    def fail(message: str, lineno: int) -> ProjectFileError:
        return ProjectFileError(message, file=file, line=lineno, hint=_VENDOR_HINT)

    for lineno, line in enumerate(text.split("\n"), start=1):
        if line.startswith("# "):
            f = _fields(line)
            if len(f) < 3:
                raise fail(f"malformed module line {line.strip()!r}: want '# path version'", lineno)
            if _SEMVER_RE.fullmatch(f[2]):
                mod_path, version, rest = f[1], f[2], f[3:]
            elif f[2] == "=>":
                mod_path, version, rest = f[1], "", f[2:]
            else:
                raise fail(
                    f"malformed module line {line.strip()!r}: {f[2]!r} is not a version", lineno
                )
            replacement: str | None = None
            replacement_version: str | None = None
            if rest:
                if rest[0] != "=>" or len(rest) not in (2, 3):
                    raise fail(
                        f"malformed module line {line.strip()!r}: "
                        "want '=> new/path [version]' after the version",
                        lineno,
                    )
                replacement = rest[1]
                if len(rest) == 3:
                    if not _SEMVER_RE.fullmatch(rest[2]):
                        raise fail(
                            f"malformed module line {line.strip()!r}: {rest[2]!r} is not a version",
                            lineno,
                        )
                    replacement_version = rest[2]
            entries.append(_VendorEntry(mod_path, version, replacement, replacement_version))
        elif line.startswith("## "):
            if not entries:
                continue  # "## workspace" and other file-level annotations
            entry = entries[-1]
            for item in line[3:].split(";"):
                item = _trim_space(item)
                if item == "explicit":
                    entry.explicit = True
                elif item.startswith("go "):
                    go = item[3:]
                    try:
                        GoVersion.parse(go)
                    except ValueError:
                        raise fail(f"invalid go version {go!r} for {entry.path}", lineno) from None
                    entry.go = go
        elif _trim_space(line):
            f = _fields(line)
            if len(f) != 1 or f[0].startswith("#"):
                raise fail(f"malformed line {line.strip()!r}: want one package path", lineno)
            if not entries:
                raise fail(f"package {f[0]} is listed before any '# module version' line", lineno)
            entries[-1].packages.append(f[0])

    return tuple(
        VendoredModule(
            path=e.path,
            version=e.version,
            explicit=e.explicit,
            go=e.go,
            replacement=e.replacement,
            packages=tuple(e.packages),
            replacement_version=e.replacement_version,
        )
        for e in entries
    )


def declared_go_version(path: Path) -> tuple[str, int] | None:
    """The ``go`` line of a go.mod or go.work that may not parse as a whole, with its line number.

    Go reads a file that needs a newer Go loosely and reports the version mismatch before any
    unknown directive; callers use this to do the same. Returns None when even the statement
    structure cannot be read or there is no valid go line.
    """
    try:
        stmts = _Parser(_read_text(path), path).parse_file()
    except ProjectFileError:
        return None
    for stmt in stmts:
        if isinstance(stmt, _Line) and len(stmt.tokens) == 2 and stmt.tokens[0] == "go":
            try:
                GoVersion.parse(stmt.tokens[1])
            except ValueError:
                return None
            return stmt.tokens[1], stmt.line
    return None
