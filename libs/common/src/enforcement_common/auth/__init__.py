"""Authentication and unit scope: signed JWT bearer tokens with the claims of CONTRACT.md,
roles per route, and the unit tree that decides what a caller may see (404 outside)."""

from enforcement_common.auth.dependencies import current_caller, require_roles
from enforcement_common.auth.jwt import Caller
from enforcement_common.auth.scope import (
    ensure_in_scope,
    get_in_scope,
    list_in_scope,
    not_found,
    register_unit_tree,
    scope_clause,
    select_in_scope,
    visible_units,
)

__all__ = [
    "Caller",
    "current_caller",
    "ensure_in_scope",
    "get_in_scope",
    "list_in_scope",
    "not_found",
    "register_unit_tree",
    "require_roles",
    "scope_clause",
    "select_in_scope",
    "visible_units",
]
