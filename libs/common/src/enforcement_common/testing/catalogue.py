"""Checks that a service's error catalogue declares every problem code its source raises."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from enforcement_common.api.errors import ErrorCatalogue

__all__ = ["assert_catalogue_covers", "codes_in_source"]

_CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def codes_in_source(package_dir: Path) -> dict[str, set[int]]:
    """Problem codes written as literals in ``package_dir``'s modules, with their statuses:
    ``ProblemError(status, "code", …)`` calls, ``ErrorCode("code", status, …)`` declarations
    and ``{"status": …, "code": "…"}`` problem dicts."""
    found: dict[str, set[int]] = {}
    for path in sorted(Path(package_dir).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            status = code = None
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name == "ProblemError" and len(node.args) >= 2:
                    status, code = node.args[0], node.args[1]
                elif name == "ErrorCode" and len(node.args) >= 2:
                    code, status = node.args[0], node.args[1]
            elif isinstance(node, ast.Dict):
                entries = {
                    k.value: v for k, v in zip(node.keys, node.values, strict=True) if isinstance(k, ast.Constant)
                }
                if "code" in entries and "status" in entries:
                    status, code = entries["status"], entries["code"]
            if isinstance(code, ast.Constant) and isinstance(code.value, str) and _CODE.match(code.value):
                found.setdefault(code.value, set())
                if isinstance(status, ast.Constant) and isinstance(status.value, int):
                    found[code.value].add(status.value)
    return found


def assert_catalogue_covers(package_dir: Path, catalogue: ErrorCatalogue) -> None:
    """Every code in the source is declared, with the status the source gives it."""
    found = codes_in_source(package_dir)
    missing = sorted(code for code in found if code not in catalogue)
    assert not missing, f"codes raised but not in the catalogue: {missing}"
    wrong = {
        code: sorted(statuses) for code, statuses in found.items() if statuses and statuses != {catalogue[code].status}
    }
    assert not wrong, f"codes raised with another status than declared: {wrong}"
