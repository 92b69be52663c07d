"""`campaignctl`: the ops command line. Exit codes: 0 success, 2 bad input, 1 internal error.

Every command module has `HELP`, `add_arguments(parser)` and `run(args) -> int`; they are
listed in `COMMANDS` (imported here, so a missing module fails loudly, not by omission).
A `CreatorOpsError` is bad input: one line naming what to fix, exit 2; so is an
operating-system error (a missing or too long path, a full disk). A closed pipe (`| head`)
ends quietly with 141. Anything else is an internal error: one line, exit 1, no traceback
(`failure` is the one mapping).
"""

from __future__ import annotations

import argparse
import re
import sys
from types import ModuleType

from creator_ops.commands import allocate, ecosystem, files, finance, ingest, match, payouts, review, validate
from creator_ops.core.errors import CreatorOpsError
from creator_ops.core.masking import mask_pii

COMMANDS: dict[str, ModuleType] = {
    "validate": validate,
    "ingest": ingest,
    "payouts": payouts,
    "review": review,
    "match": match,
    "allocate": allocate,
    "files": files,
    "finance": finance,
    "ecosystem": ecosystem,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, as we want
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="campaignctl", description="Creator campaign operations (MY)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, module in COMMANDS.items():
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    prog = f"campaignctl {args.command}"
    try:
        code = int(COMMANDS[args.command].run(args) or 0)
        sys.stdout.flush()  # here, not at interpreter exit: a closed pipe is then mapped like any other failure
        return code
    except BaseException as exc:
        return failure(prog, exc)


def failure(prog: str, exc: BaseException) -> int:
    """Say why a command stopped, in one masked line on stderr, and return its exit code.

    - the reader of our output went away (`… | head`): nothing more to say, 141 (as for SIGPIPE);
    - Ctrl-C: 130;
    - a `CreatorOpsError` (bad input, a bad setting, output that cannot go where asked) or an
      operating-system error (a path that is missing, too long, unreadable, a full disk,
      a refused connection): the input or the environment, exit 2;
    - anything else: an internal error, exit 1. Never a traceback.
    """
    import errno

    if isinstance(exc, BrokenPipeError) or getattr(exc, "errno", None) == errno.EPIPE:
        _silence_stdout()
        return 141
    if isinstance(exc, KeyboardInterrupt):
        return 130
    if isinstance(exc, SystemExit):
        raise exc
    if isinstance(exc, CreatorOpsError):
        code, text = 2, str(exc)
    elif isinstance(exc, OSError):
        code, text = 2, _os_error_text(exc)
    else:
        code, text = 1, f"internal error: {exc}"
    line = " ".join(mask_pii(f"{prog}: {text}").split())
    line = re.sub(r"\S{201,}", lambda m: f"{m.group(0)[:60]}…", line)  # a 5,000-character path says no more
    try:
        print(line, file=sys.stderr)
    except (BrokenPipeError, OSError):
        pass
    return code


def _os_error_text(exc: OSError) -> str:
    import errno

    name = exc.filename if exc.filename is not None else ""
    name = str(name) if len(str(name)) <= 120 else f"{str(name)[:60]}…"
    if exc.errno == errno.ENAMETOOLONG:
        return f"{name}: the path is longer than the file system allows (PATH_MAX)".lstrip(": ")
    cause = exc.strerror or str(exc) or type(exc).__name__
    return f"{name}: {cause}" if name else cause


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail on the closed pipe again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
