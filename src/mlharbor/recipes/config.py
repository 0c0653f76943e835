"""Find a recipe and resolve its configuration: ``recipe.yaml`` rendered with a profile.

``recipe.yaml`` may hold ``{{ NAME }}`` placeholders; ``profiles/<profile>.yaml`` defines them.
After substitution the profile is also merged into the configuration (profile values win, nested
mappings merge key by key), so a profile can override any setting, e.g. ``steps.split``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist

__all__ = ["RECIPE_FILE", "TEMPLATES", "find_recipe_root", "load_config", "read_profile"]

RECIPE_FILE = "recipe.yaml"
TEMPLATES = ("regression/v1", "classification/v1")
_ROOT_ENV = ("MLHARBOR_RECIPES_ROOT", "MLFLOW_RECIPES_ROOT")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def find_recipe_root(start: str | os.PathLike[str] | None = None) -> Path:
    """Return the directory holding ``recipe.yaml``.

    ``MLHARBOR_RECIPES_ROOT`` (or ``MLFLOW_RECIPES_ROOT``) names it outright; otherwise it is
    searched for from ``start`` (the current directory) upward.

    Raises:
        ResourceDoesNotExist: when no ``recipe.yaml`` is found.
    """
    for name in _ROOT_ENV:
        configured = os.environ.get(name)
        if configured:
            root = Path(configured).resolve()
            if not (root / RECIPE_FILE).is_file():
                raise ResourceDoesNotExist(f"{name}={configured} has no {RECIPE_FILE}")
            return root
    here = Path(start or os.getcwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / RECIPE_FILE).is_file():
            return directory
    raise ResourceDoesNotExist(
        f"Failed to find {RECIPE_FILE} in {here} or any parent directory; run from a recipe "
        f"directory or set MLHARBOR_RECIPES_ROOT"
    )


def _read_yaml(path: Path, text: str | None = None) -> dict[str, Any]:
    import yaml

    try:
        loaded = yaml.safe_load(path.read_text() if text is None else text)
    except yaml.YAMLError as exc:
        raise InvalidParameterValue(f"{path.name} is not valid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidParameterValue(f"{path.name} must hold a YAML mapping")
    return loaded


def read_profile(root: Path, profile: str) -> dict[str, Any]:
    """The values of ``profiles/<profile>.yaml``.

    Raises:
        ResourceDoesNotExist: for an unknown profile (the known ones are listed).
    """
    profiles = root / "profiles"
    path = profiles / f"{profile}.yaml"
    if not profile or "/" in profile or "\\" in profile or not path.is_file():
        known = sorted(p.stem for p in profiles.glob("*.yaml")) if profiles.is_dir() else []
        raise ResourceDoesNotExist(
            f"Profile {profile!r} not found: no profiles/{profile}.yaml in {root} "
            f"(known profiles: {', '.join(known) or 'none'})"
        )
    return _read_yaml(path)


def _render(text: str, variables: dict[str, Any], profile: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise InvalidParameterValue(
                f"{RECIPE_FILE} uses {{{{ {name} }}}} but profiles/{profile}.yaml does not "
                f"define {name}"
            )
        value = variables[name]
        # Strings go in as written (they may be part of a longer string); anything else as
        # JSON, which YAML reads back as the same list, mapping or number.
        return value if isinstance(value, str) else json.dumps(value)

    return _PLACEHOLDER.sub(substitute, text)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(root: Path, profile: str) -> dict[str, Any]:
    """Resolve ``recipe.yaml`` under ``root`` with ``profiles/<profile>.yaml``.

    Raises:
        ResourceDoesNotExist: for an unknown profile.
        InvalidParameterValue: for invalid YAML, an undefined placeholder, or a missing or
            unknown ``recipe`` template.
    """
    variables = read_profile(root, profile)
    recipe_path = root / RECIPE_FILE
    rendered = _render(recipe_path.read_text(), variables, profile)
    config = _merge(_read_yaml(recipe_path, rendered), variables)
    template = config.get("recipe")
    if template not in TEMPLATES:
        raise InvalidParameterValue(
            f"{RECIPE_FILE} must set 'recipe' to one of {', '.join(TEMPLATES)}; got {template!r}"
        )
    if not isinstance(config.get("steps") or {}, dict):
        raise InvalidParameterValue(f"'steps' in {RECIPE_FILE} must be a mapping of step configs")
    target = config.get("target_col")
    if not isinstance(target, str) or not target:
        raise InvalidParameterValue(f"{RECIPE_FILE} must set 'target_col' to a column name")
    return config
