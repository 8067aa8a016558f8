"""The one way mlguard runs git: read-only plumbing that cannot start a program.

A scanned repository's ``.git`` is as untrusted as its files, and git configuration can
name programs that ordinary commands run: ``filter.<x>.clean`` (run when git re-hashes a
stat-dirty file, e.g. ``diff-files`` or ``status``), ``filter.<x>.smudge`` (checkout,
``worktree add``), ``gpg.program`` (``log`` with ``log.showSignature``), ``core.fsmonitor``
(any command reading the index), ``diff.external`` and textconv drivers (patch output),
hooks (commands that write), ``core.pager``, ``core.sshCommand``, credential helpers and
askpass programs (network), lazy fetches of partial clones.

So every git call goes through :func:`run` or :class:`CatFile`, which

* allow only plumbing subcommands that read objects, refs or the index
  (:data:`ALLOWED`) and refuse the options that run converters (:data:`REFUSED`):
  nothing here checks out, re-hashes the work tree, verifies a signature or prints a patch;
* override on the command line (which wins over every config file) the keys that start
  programs in these subcommands or could reach the network (:data:`SAFE_CONFIG`);
* run git from an absolute path found without relative ``PATH`` entries, with the
  environment variables that name programs removed, prompts and network protocols off;
* bound every call in time.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # runs git with a fixed argv, never a shell  # nosec B404
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import IO, TypedDict, Unpack

GIT_TIMEOUT_S = 120.0
STREAM_TIMEOUT_S = 900.0  # a streamed call (history listing, object reads) as a whole
ALLOWED = frozenset(
    {
        "rev-parse",
        "ls-files",
        "ls-tree",
        "cat-file",
        "rev-list",
        "merge-base",
        "diff-tree",
        "for-each-ref",
    }
)
# options that would run a converter, a diff program, gpg or a submodule's git
REFUSED = (
    "--textconv",
    "--filters",
    "--path",
    "--show-signature",
    "-p",
    "--patch",
    "-u",
    "--ext-diff",
    "--recurse-submodules",
    "--modified",
    "-m",
    "--stat",
)
SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.untrackedCache", "false"),
    ("core.hooksPath", "/dev/null"),
    ("core.pager", "cat"),
    ("core.askPass", ""),
    ("credential.helper", ""),  # an empty value clears the list of helpers
    ("log.showSignature", "false"),
    ("diff.noprefix", "false"),
    ("protocol.allow", "never"),
    ("fetch.recurseSubmodules", "false"),
    ("submodule.recurse", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("index.skipHash", "false"),
)
# environment variables that name a program git may start, or redirect its repository
DROPPED_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
    "GIT_PAGER",
    "PAGER",
    "GIT_EDITOR",
    "GIT_SEQUENCE_EDITOR",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_SSH_VARIANT",
    "GIT_PROXY_COMMAND",
    "GIT_EXEC_PATH",
    "GIT_TEMPLATE_DIR",
    "GIT_ALLOW_PROTOCOL",
)
SAFE_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_PROTOCOL_FROM_USER": "0",
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_LFS_SKIP_SMUDGE": "1",
    "LC_ALL": "C",
}


class GitError(Exception):
    """git could not be run, refused the request, failed, or took too long."""

    def __init__(self, message: str, status: int = -1) -> None:
        super().__init__(message)
        self.status = status


@cache
def executable() -> str:
    """git's absolute path, looked up only in absolute ``PATH`` entries (a relative entry
    such as ``.`` would find a ``git`` planted in the scanned directory)."""
    entries = [p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p).is_absolute()]
    found = shutil.which("git", path=os.pathsep.join(entries))
    if not found:
        raise GitError("git is not installed (no git executable on PATH)")
    return found


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(SAFE_ENV)
    env.update(extra or {})
    return env


def argv(git_dir: Path | None, work_tree: Path | None, args: Sequence[str]) -> list[str]:
    """The full command line of one git call; raises :class:`GitError` for a subcommand
    or an option outside what mlguard allows itself."""
    if not args or args[0] not in ALLOWED:
        raise GitError(f"git {args[0] if args else ''}: not a read-only plumbing command")
    for arg in args[1:]:
        if arg == "--":
            break
        if (
            arg in REFUSED
            or arg.startswith(("--textconv", "--filters", "--ext-diff"))
            or "%G" in arg  # signature placeholders of --format run gpg
            or "signature" in arg
        ):
            raise GitError(f"git {args[0]} {arg}: option refused (it can run a program)")
    cmd = [executable(), "--no-pager", "--no-replace-objects"]
    if git_dir is not None:
        cmd.append(f"--git-dir={git_dir}")
    if work_tree is not None:
        cmd.append(f"--work-tree={work_tree}")
    for key, value in SAFE_CONFIG:
        cmd += ["-c", f"{key}={value}"]
    return [*cmd, *args]


class Call(TypedDict, total=False):
    """How :func:`run` calls git: the keyword arguments of :func:`run_bytes` but stdin."""

    git_dir: Path | None
    work_tree: Path | None
    cwd: Path | None
    env: Mapping[str, str] | None
    timeout: float
    ok_codes: tuple[int, ...]


def run(args: Sequence[str], **call: Unpack[Call]) -> str:
    """The standard output of one git call (text, undecodable bytes replaced)."""
    return run_bytes(args, **call).decode("utf-8", "surrogateescape")


def run_bytes(
    args: Sequence[str],
    *,
    git_dir: Path | None = None,
    work_tree: Path | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = GIT_TIMEOUT_S,
    ok_codes: tuple[int, ...] = (0,),
    stdin: bytes | None = None,
) -> bytes:
    cmd = argv(git_dir, work_tree, args)
    try:
        done = subprocess.run(  # an argv list, never a shell  # nosec B603
            cmd,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            cwd=cwd or work_tree or git_dir,
            env=environment(env),
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]}: no answer within {timeout:g} s") from exc
    except OSError as exc:
        raise GitError(f"git {args[0]}: cannot run ({exc.strerror or exc})") from exc
    if done.returncode not in ok_codes:
        raise GitError(_last_line(done.stderr, args[0], done.returncode), done.returncode)
    return done.stdout


@contextmanager
def stream(
    args: Sequence[str], *, git_dir: Path, work_tree: Path | None = None
) -> Iterator[Iterator[str]]:
    """The output lines of a long git call, read as they come (memory stays bounded on
    huge histories); a failure raises :class:`GitError` once the output is read."""
    with _process(args, git_dir, work_tree, stdin=False) as proc:
        out = proc.stdout
        if out is None:  # not an assert (python -O)
            raise GitError(f"git {args[0]} gave no output stream")

        def lines() -> Iterator[str]:
            for raw in out:
                yield raw.decode("utf-8", "surrogateescape").rstrip("\n")
            _finish(proc, args[0])

        yield lines()


@contextmanager
def _process(
    args: Sequence[str], git_dir: Path, work_tree: Path | None, stdin: bool
) -> Iterator[subprocess.Popen[bytes]]:
    cmd = argv(git_dir, work_tree, args)
    try:
        proc = subprocess.Popen(  # an argv list, never a shell  # nosec B603
            cmd,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=work_tree or git_dir,
            env=environment(),
        )
    except OSError as exc:
        raise GitError(f"git {args[0]}: cannot run ({exc.strerror or exc})") from exc
    watchdog = threading.Timer(STREAM_TIMEOUT_S, proc.kill)  # e.g. a FIFO among the objects
    watchdog.daemon = True
    watchdog.start()
    try:
        yield proc
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for handle in (proc.stdin, proc.stdout, proc.stderr):
            if handle is not None:
                handle.close()


def _finish(proc: subprocess.Popen[bytes], name: str) -> None:
    err = proc.stderr.read() if proc.stderr is not None else b""
    try:
        code = proc.wait(timeout=GIT_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {name}: no answer within {GIT_TIMEOUT_S:g} s") from exc
    if code != 0:
        raise GitError(_last_line(err, name, code), code)


def _last_line(stderr: bytes, name: str, code: int) -> str:
    """The last meaningful line git printed (e.g. "fatal: not a git repository")."""
    text = stderr.decode("utf-8", "replace")
    lines = [x.strip() for x in text.splitlines() if any(c.isalnum() for c in x)]
    return (lines[-1] if lines else f"git {name} exited with {code}")[:200]


class CatFile:
    """``git cat-file --batch``: raw objects by id, never through a filter or textconv."""

    def __init__(self, git_dir: Path) -> None:
        self._cm = _process(["cat-file", "--batch"], git_dir, None, stdin=True)
        self._proc = self._cm.__enter__()

    def __enter__(self) -> CatFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with suppress(OSError):
                self._proc.stdin.close()
        self._cm.__exit__(None, None, None)

    def header(self, name: str) -> tuple[str, str, int] | None:
        """Send one request; (oid, type, size) or ``None`` when the object is missing.
        The caller must then consume ``size`` bytes with :meth:`read_into` or :meth:`read`."""
        if "\n" in name:
            raise GitError("object name with a newline")
        stdin, stdout = self._proc.stdin, self._proc.stdout
        if stdin is None or stdout is None:
            raise GitError("git cat-file gave no pipes")
        try:
            stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            stdin.flush()
        except OSError as exc:
            raise GitError(f"git cat-file: {exc.strerror or exc}") from exc
        line = stdout.readline().decode("utf-8", "replace").rstrip("\n")
        parts = line.split(" ")
        if len(parts) == 3 and parts[2].isdigit():
            return parts[0], parts[1], int(parts[2])
        if line.endswith(" missing") or line.endswith(" ambiguous"):
            return None
        raise GitError(f"git cat-file: unexpected answer {line[:80]!r}")

    def read(self, size: int) -> bytes:
        out = self._stdout().read(size + 1)
        if len(out) != size + 1:
            raise GitError("git cat-file: truncated object")
        return out[:size]

    def read_into(self, size: int, sink: IO[bytes]) -> None:
        out = self._stdout()
        left = size
        while left:
            chunk = out.read(min(left, 1 << 20))
            if not chunk:
                raise GitError("git cat-file: truncated object")
            sink.write(chunk)
            left -= len(chunk)
        if out.read(1) != b"\n":
            raise GitError("git cat-file: malformed answer")

    def object(self, name: str) -> tuple[str, bytes] | None:
        """(type, content) of one object, or ``None`` when it does not exist."""
        head = self.header(name)
        if head is None:
            return None
        return head[1], self.read(head[2])

    def _stdout(self) -> IO[bytes]:
        if self._proc.stdout is None:
            raise GitError("git cat-file gave no output")
        return self._proc.stdout
