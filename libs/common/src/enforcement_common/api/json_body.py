"""JSON bodies parsed by hand (bulk imports): nesting bounded, so that a hostile body is a
400 problem and never Python's RecursionError (a 500).

FastAPI parses ordinary bodies itself and already answers 400 when parsing fails; this is
for the endpoints that read ``request.body()`` and parse it themselves.
"""

from __future__ import annotations

import json
import re
from typing import Any

from enforcement_common.api.problems import ProblemError

#: Far deeper than any document of the contract (a case with its party is 3 deep).
MAX_DEPTH = 64

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def exceeds_depth(body: bytes, limit: int) -> bool:
    """Whether arrays and objects in ``body`` nest deeper than ``limit`` (brackets inside
    strings ignored). Only the brackets are walked in Python: a large flat import is cheap."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for char in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        depth += 1 if char in b"[{" else -1
        if depth > limit:
            return True
    return False


def loads(body: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` refusing nesting beyond ``max_depth`` with 400 ``request.nesting_too_deep``.

    Other parse errors propagate as ``ValueError`` for the caller to report in its own terms.
    """
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if exceeds_depth(raw, max_depth):
        raise ProblemError(
            400,
            "request.nesting_too_deep",
            f"The JSON nests arrays and objects more than {max_depth} deep.",
        )
    return json.loads(body)
