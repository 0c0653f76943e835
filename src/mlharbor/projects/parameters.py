"""Entry-point parameters: declared types, validation and their place in the shell command.

MLproject declares a parameter either as a bare type (``data_file: path``) or as a mapping
(``C: {type: float, default: 1.0}``). Types are ``string`` (the default), ``float``, ``int``,
``path`` and ``uri``. Values reach the command through ``str.format`` after shell quoting, so a
value can never split into several shell words.
"""

from __future__ import annotations

import os
import shlex
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlharbor.projects.errors import invalid

__all__ = ["PARAMETER_TYPES", "Parameter", "build_command", "resolve_parameters"]

PARAMETER_TYPES = ("string", "float", "int", "path", "uri")


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of an entry point; ``default`` None means it is required."""

    name: str
    type: str = "string"
    default: Any = None

    @classmethod
    def from_yaml(cls, name: str, spec: Any) -> Parameter:
        """Parse ``spec`` (a type name or a ``{type, default}`` mapping) from MLproject."""
        if isinstance(spec, str):
            kind, default = spec, None
        elif isinstance(spec, Mapping):
            kind, default = str(spec.get("type", "string")), spec.get("default")
        elif spec is None:
            kind, default = "string", None
        else:
            raise invalid(
                f"Parameter {name!r} must be declared as a type name or a mapping with "
                f"'type' and 'default', got {spec!r}."
            )
        if kind not in PARAMETER_TYPES:
            raise invalid(
                f"Parameter {name!r} has unknown type {kind!r}; expected one of "
                f"{list(PARAMETER_TYPES)}."
            )
        return cls(name=name, type=kind, default=default)

    def check(self, value: Any) -> str:
        """Return ``value`` as text after checking it against the declared type.

        Paths are only checked here, not resolved: the logged parameter keeps what the user
        gave (as MLflow logs it), the command gets the resolved path from :meth:`for_command`.
        """
        text = str(value)
        if self.type == "float":
            try:
                float(text)
            except ValueError:
                raise invalid(
                    f"Parameter {self.name!r} expects a float but got {text!r}."
                ) from None
        elif self.type == "int":
            try:
                int(text)
            except ValueError:
                raise invalid(
                    f"Parameter {self.name!r} expects an integer but got {text!r}."
                ) from None
        elif self.type == "uri" and not urllib.parse.urlparse(text).scheme:
            raise invalid(f"Expected URI for parameter {self.name} but got {text}")
        return text

    def for_command(self, text: str, work_dir: str) -> str:
        """The value the command receives: local ``path`` values become absolute paths.

        A relative path is looked up from the project directory, where the command runs.
        """
        if self.type != "path":
            return text
        parsed = urllib.parse.urlparse(text)
        if parsed.scheme not in ("", "file"):
            # Remote data is read by the script itself through its own storage client.
            return text
        local = parsed.path if parsed.scheme == "file" else text
        candidate = local if os.path.isabs(local) else os.path.join(work_dir, local)
        if not os.path.exists(candidate):
            raise invalid(
                f"Got value {text} for parameter {self.name}, but no such file or directory "
                "was found."
            )
        return os.path.abspath(candidate)


def resolve_parameters(
    declared: Mapping[str, Parameter], given: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """Split and check ``given`` against ``declared``.

    Returns:
        ``(values, extras)``: every declared parameter's value (given or default) as text,
        in declaration order, and the undeclared ones, in the order given.

    Raises:
        ExecutionException: a required parameter is missing or a value has the wrong type.
    """
    missing = [name for name, p in declared.items() if name not in given and p.default is None]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        raise invalid(f"No value given for missing parameters: {names}")
    values = {name: param.check(given.get(name, param.default)) for name, param in declared.items()}
    extras = {str(k): str(v) for k, v in given.items() if k not in declared}
    return values, extras


def build_command(
    template: str,
    declared: Mapping[str, Parameter],
    values: Mapping[str, str],
    extras: Mapping[str, str],
    work_dir: str,
) -> str:
    """The shell command: ``template`` filled with quoted values, then ``--key value`` extras."""
    quoted = {
        name: shlex.quote(declared[name].for_command(text, work_dir))
        for name, text in values.items()
    }
    try:
        command = template.format(**quoted)
    except KeyError as error:
        raise invalid(
            f"The command {template!r} uses {{{error.args[0]}}}, which is not a declared "
            "parameter of the entry point."
        ) from None
    parts = [command, *(f"--{shlex.quote(k)} {shlex.quote(v)}" for k, v in extras.items())]
    return " ".join(parts)
