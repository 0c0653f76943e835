"""The ``mlharbor`` command line. Modules here only parse and print; work lives in the library.

Sub-commands load lazily so ``mlharbor --help`` stays fast.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

# command name -> "module:attribute" of a click command or group
_COMMANDS: dict[str, str] = {
    "server": "mlharbor.cli.server:server",
    "ui": "mlharbor.cli.server:ui",
    "models": "mlharbor.cli.models:models",
    "db": "mlharbor.cli.db:db",
    "run": "mlharbor.cli.run:run",
    "recipes": "mlharbor.cli.recipes:recipes",
    "monitor": "mlharbor.cli.monitor:monitor",
    "deploy": "mlharbor.cli.deploy:deploy",
    "gateway": "mlharbor.cli.gateway:gateway",
    "sweep": "mlharbor.cli.sweep:sweep",
    "agent": "mlharbor.cli.sweep:agent",
    "doctor": "mlharbor.cli.doctor:doctor",
    "gc": "mlharbor.cli.gc:gc",
    "experiments": "mlharbor.cli.experiments:experiments",
    "runs": "mlharbor.cli.runs:runs",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._available()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            return None
        command: click.Command = getattr(module, attribute)
        return command

    @staticmethod
    def _available() -> list[str]:
        return [
            name
            for name, target in _COMMANDS.items()
            if importlib.util.find_spec(target.partition(":")[0]) is not None
        ]


@click.group(cls=_LazyGroup)
@click.version_option(package_name="mlharbor")
def cli() -> None:
    """mlharbor: experiment tracking, models, registry and serving."""
