"""The interference register's integrity, pure (no I/O): each record's hash covers its content and
the previous record's hash (INT-3 "traceable"); a checkpoint — ``(count, head_hash)`` signed with
the deployment's Ed25519 key — lets an auditor who kept it prove later that the register still
extends it: a deleted, edited or truncated history fails."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS = "0" * 64

#: The content fields a record's hash covers (everything it says, in this order).
HASHED_FIELDS = (
    "id",
    "unit_id",
    "case_id",
    "occurred_at",
    "place",
    "intervener_officer_id",
    "intervener_name",
    "intervener_staff_type",
    "intervener_position",
    "method",
    "content",
    "category",
    "corrects_id",
    "recorded_by",
    "recorder_officer_id",
    "recorder_name",
    "recorded_at",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(
        {name: _plain(content.get(name)) for name in HASHED_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def record_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(content)).hexdigest()


@dataclass
class ChainReport:
    valid: bool
    count: int
    head_hash: str
    first_bad_id: str | None = None
    #: With a checkpoint to prove: whether the register extends it (None: none asked).
    extends_checkpoint: bool | None = None
    problems: list[str] = field(default_factory=list)


class ChainVerifier:
    """Fed the records in chain order (``feed``), then ``report(expected)``."""

    def __init__(self, checkpoint: tuple[int, str] | None = None) -> None:
        self.prev = GENESIS
        self.count = 0
        self.first_bad_id: str | None = None
        self.checkpoint = checkpoint
        self.hash_at_checkpoint: str | None = GENESIS if checkpoint and checkpoint[0] == 0 else None
        self.problems: list[str] = []

    def feed(self, content: dict[str, Any], prev_hash: str, stored_hash: str) -> None:
        self.count += 1
        if self.first_bad_id is None:
            if prev_hash != self.prev:
                self.first_bad_id = str(content["id"])
                self.problems.append(f"record {self.count}: prev_hash does not follow the chain (deleted or reordered)")
            elif record_hash(prev_hash, content) != stored_hash:
                self.first_bad_id = str(content["id"])
                self.problems.append(f"record {self.count}: content does not match its hash (edited)")
        self.prev = stored_hash
        if self.checkpoint and self.count == self.checkpoint[0]:
            self.hash_at_checkpoint = stored_hash

    def report(self) -> ChainReport:
        valid = self.first_bad_id is None
        extends = None
        if self.checkpoint is not None:
            count, head_hash = self.checkpoint
            extends = valid and self.count >= count and self.hash_at_checkpoint == head_hash
            if self.count < count:
                self.problems.append(f"the register holds {self.count} records, the checkpoint {count} (truncated)")
            elif self.hash_at_checkpoint != head_hash:
                self.problems.append(f"record {count} does not carry the checkpoint's head hash (history rewritten)")
        return ChainReport(
            valid=valid and extends is not False,
            count=self.count,
            head_hash=self.prev,
            first_bad_id=self.first_bad_id,
            extends_checkpoint=extends,
            problems=self.problems,
        )


# --- signed checkpoints --------------------------------------------------------------------------


def checkpoint_message(count: int, head_hash: str, signed_at: datetime) -> bytes:
    return f"interference-register|{count}|{head_hash}|{_plain(signed_at)}".encode()


@dataclass(frozen=True)
class Signer:
    """The deployment's Ed25519 key for checkpoints (ACCOUNTABILITY_CHECKPOINT_SIGNING_KEY)."""

    private_key: Ed25519PrivateKey

    @classmethod
    def from_hex(cls, secret_hex: str) -> Signer:
        if not secret_hex:
            return cls(Ed25519PrivateKey.generate())
        return cls(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret_hex)))

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_raw(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.public_raw).hexdigest()[:16]

    def sign(self, count: int, head_hash: str, signed_at: datetime) -> str:
        return base64.b64encode(self.private_key.sign(checkpoint_message(count, head_hash, signed_at))).decode()


def signature_valid(public_raw: bytes, count: int, head_hash: str, signed_at: datetime, signature: str) -> bool:
    """An auditor's check of a checkpoint with the published public key."""
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            base64.b64decode(signature), checkpoint_message(count, head_hash, signed_at)
        )
    except (InvalidSignature, ValueError):
        return False
    return True
