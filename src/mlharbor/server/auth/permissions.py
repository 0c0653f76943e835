"""The permission levels of MLflow's basic-auth app and what each allows.

===============  ====  ======  ======  ======
name             read  update  delete  manage
===============  ====  ======  ======  ======
READ             yes   no      no      no
EDIT             yes   yes     no      no
MANAGE           yes   yes     yes     yes
NO_PERMISSIONS   no    no      no      no
===============  ====  ======  ======  ======
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "ALL_PERMISSIONS",
    "EDIT",
    "MANAGE",
    "NO_PERMISSIONS",
    "READ",
    "Action",
    "Permission",
    "get_permission",
]

Action = Literal["read", "update", "delete", "manage"]


@dataclass(frozen=True)
class Permission:
    name: str
    can_read: bool
    can_update: bool
    can_delete: bool
    can_manage: bool

    def allows(self, action: Action) -> bool:
        """Whether this level permits ``action``."""
        return bool(getattr(self, f"can_{action}"))


READ = Permission("READ", True, False, False, False)
EDIT = Permission("EDIT", True, True, False, False)
MANAGE = Permission("MANAGE", True, True, True, True)
NO_PERMISSIONS = Permission("NO_PERMISSIONS", False, False, False, False)

ALL_PERMISSIONS = {p.name: p for p in (READ, EDIT, MANAGE, NO_PERMISSIONS)}


def get_permission(name: object) -> Permission:
    """The level called ``name``.

    Raises:
        InvalidParameterValue: ``name`` is not one of :data:`ALL_PERMISSIONS`.
    """
    permission = ALL_PERMISSIONS.get(name) if isinstance(name, str) else None
    if permission is None:
        raise InvalidParameterValue(
            f"Invalid permission '{name}'. Valid permissions are: {tuple(ALL_PERMISSIONS)}"
        )
    return permission
