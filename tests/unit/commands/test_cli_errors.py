"""One error base: every project exception is a CreatorOpsError, and the CLI maps it to exit 2, anything else to 1."""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil

import pytest

import creator_ops
from creator_ops import cli
from creator_ops.core.errors import CreatorOpsError

# modules that need Airflow or a browser stack to import are checked too: the test env has them
SKIP_MODULES = ("creator_ops.warehouse.migrations",)


def _project_modules():
    for info in pkgutil.walk_packages(creator_ops.__path__, "creator_ops."):
        if info.name.startswith(SKIP_MODULES) or info.name.endswith(".__main__"):
            continue
        yield importlib.import_module(info.name)


def test_every_project_exception_has_the_one_base():
    defined = {
        f"{cls.__module__}.{cls.__qualname__}": cls
        for module in _project_modules()
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == module.__name__
    }
    assert len(defined) >= 12  # the check found the project's exceptions
    assert sorted(name for name, cls in defined.items() if not issubclass(cls, CreatorOpsError)) == []


def test_the_error_names_file_row_and_field():
    error = CreatorOpsError("bad value", file="orders.csv", row=7, field="gmv_myr")
    assert str(error) == "bad value"
    assert error.where == "orders.csv: row 7: gmv_myr"
    assert CreatorOpsError("x").where == ""


class _Boom:
    HELP = "raises what it is told to"

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        pass

    def run(self, args: argparse.Namespace) -> int:
        raise self.error


@pytest.mark.parametrize(
    ("error", "code", "line"),
    [
        (CreatorOpsError("orders.csv: no such file"), 2, "campaignctl boom: orders.csv: no such file\n"),
        (KeyError("surprise"), 1, "campaignctl boom: internal error: 'surprise'\n"),
    ],
)
def test_cli_maps_the_base_to_exit_2_and_anything_else_to_1(monkeypatch, capsys, error, code, line):
    monkeypatch.setitem(cli.COMMANDS, "boom", _Boom(error))
    assert cli.main(["boom"]) == code
    captured = capsys.readouterr()
    assert captured.err == line
    assert "Traceback" not in captured.err


def test_every_listed_command_has_the_command_interface():
    parser = cli.build_parser()
    for name, module in cli.COMMANDS.items():
        assert module.__name__ == f"creator_ops.commands.{name}"
        assert callable(module.run) and callable(module.add_arguments) and module.HELP
    assert parser.parse_args(["validate", "x.yaml"]).command == "validate"
    import creator_ops.commands as package

    modules = {info.name for info in pkgutil.iter_modules(package.__path__)}
    # a command module nobody listed would never be reachable (common.py is what the commands share)
    assert modules - {"common"} == set(cli.COMMANDS)
