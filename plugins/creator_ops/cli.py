"""`campaignctl`: the ops command line. Exit codes: 0 success, 2 bad input, 1 internal error.

Every command module has `HELP`, `add_arguments(parser)` and `run(args) -> int`; they are
listed in `COMMANDS` (imported here, so a missing module fails loudly, not by omission).
A `CreatorOpsError` is bad input: one line naming what to fix, exit 2. Anything else is
an internal error: one line, exit 1, no traceback.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from creator_ops.commands import allocate, ecosystem, files, ingest, match, payouts, review, validate
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
        return int(COMMANDS[args.command].run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except CreatorOpsError as exc:
        print(mask_pii(f"{prog}: {exc}"), file=sys.stderr)
        return 2
    except Exception as exc:  # the last line of defence: ops get one line, never a traceback
        print(mask_pii(f"{prog}: internal error: {exc}"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
