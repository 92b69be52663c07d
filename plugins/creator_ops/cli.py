"""`campaignctl`: the ops command line. Exit codes: 0 success, 2 bad input, 1 internal error."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import traceback

COMMANDS = ("validate", "ingest", "payouts", "review")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 on usage errors, as we want
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="campaignctl", description="Creator campaign operations (MY)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        module_name = f"creator_ops.commands.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module = importlib.import_module(f"creator_ops.commands.{args.command}")
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for ops
        print(f"campaignctl {args.command}: internal error: {exc}", file=sys.stderr)
        if "--debug" in sys.argv or __import__("os").environ.get("CAMPAIGNCTL_DEBUG"):
            traceback.print_exc()
        return 1


if __name__ == "__main__":
    sys.exit(main())
