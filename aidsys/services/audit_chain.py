"""Sealing the audit chains into signed anchors, and verifying the chains against them.

Whoever can rewrite the database can recompute a chain's every hash; the hashes alone show
only a careless edit. So, as Certificate Transparency signs its tree heads and database ledgers
export their digests, each chain's head is sealed on a schedule (`audit_seal`, hourly by Celery
beat) into an `AuditAnchor` signed with HMAC-SHA256 under a key that is not in the database
(`AIDSYS_AUDIT_KEY`). An anchor pins its chain up to its number: a rewrite of what it covers, a
tail cut off, or a chain emptied and its head reset, no longer verifies. Anchors are exported
(`audit_anchors`, the county's anchor page) and kept outside the system, where even the removal
of anchors shows (`verify_audit --anchors FILE`).

`audit_chain_verify` walks each chain from its last verified anchor (`AuditCheckpoint`), so the
nightly walk costs what was written since; `full=True` walks every chain from its first event
and checks every anchor.
"""

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from aidsys.models import GENESIS_HASH, AuditAnchor, AuditChainHead, AuditCheckpoint, AuditEvent

logger = logging.getLogger("aidsys.audit")


def audit_key() -> bytes:
    """The signing key: AIDSYS_AUDIT_KEY, else (embedded set-up only) the key kept in
    AIDSYS_AUDIT_KEY_FILE, made at first use."""
    if settings.AIDSYS_AUDIT_KEY:
        return settings.AIDSYS_AUDIT_KEY.encode("utf-8")
    path = settings.AIDSYS_AUDIT_KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    if not settings.AIDSYS_AUDIT_KEY_GENERATE:
        raise ImproperlyConfigured("AIDSYS_AUDIT_KEY must be set: it signs the audit chains' anchors")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as file:
        file.write(key + b"\n")
    return key


def key_id(key: bytes) -> str:
    """A short public name of the key, so that an anchor says which key signed it."""
    return hashlib.sha256(b"aidsys-audit-key\n" + key).hexdigest()[:16]


def _signature(anchor: AuditAnchor, key: bytes) -> str:
    return hmac.new(key, anchor.signed_text().encode("utf-8"), hashlib.sha256).hexdigest()


def anchor_signature_holds(anchor: AuditAnchor, key: bytes) -> bool:
    return anchor.key_id == key_id(key) and hmac.compare_digest(anchor.signature, _signature(anchor, key))


def audit_seal() -> list[AuditAnchor]:
    """Seal every chain whose head has moved since its last anchor; returns the new anchors.

    The head is read without locking it: it is written in the same transaction as its event,
    so it always names a committed event, and no writer waits on a seal.
    """
    key = audit_key()
    last_sealed = AuditAnchor.objects.filter(partition=OuterRef("partition")).order_by("-seq").values("seq")[:1]
    heads = AuditChainHead.objects.annotate(sealed=Subquery(last_sealed)).filter(seq__gt=0).order_by("partition")
    now = timezone.now()
    anchors = []
    for head in heads:
        if head.sealed is not None and head.sealed >= head.seq:
            continue
        anchor = AuditAnchor(
            partition=head.partition,
            seq=head.seq,
            head_hash=head.last_hash,
            event_count=head.seq,
            created_at=now,
            key_id=key_id(key),
        )
        anchor.signature = _signature(anchor, key)
        anchors.append(anchor)
    with transaction.atomic():
        # A seal running beside another leaves the anchor the other made.
        AuditAnchor.objects.bulk_create(anchors, ignore_conflicts=True)
    return anchors


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a walk: events checked, and the first link that does not hold.

    `problem` is one of PROBLEMS' keys; `partition` and `seq` say where, `broken_event_id` names
    the event when it still exists (a removed event has none).
    """

    checked: int
    broken_event_id: int | None = None
    problem: str = ""
    partition: str = ""
    seq: int | None = None
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not self.problem


PROBLEMS = {
    "content": "its content does not match its hash (the event was altered)",
    "link": "its previous-hash does not match the event before it (an event was removed or reordered)",
    "gap": "the event with this number is missing (it was removed)",
    "tail": "the events up to the chain's head or its last anchor are missing (removed from the end)",
    "head": "the chain head does not match its events (the head row was changed or removed)",
    "beyond": "it was appended after the chain's head",
    "anchor": "the chain no longer reaches a signed anchor's hash (events it sealed were rewritten)",
    "emptied": "the chain is empty but signed anchors sealed events in it (its events were removed)",
    "signature": "an anchor's signature does not hold (the anchor was forged or changed)",
}


def audit_chain_verify(*, full: bool = False) -> ChainReport:
    """Walk every chain; the first broken link of the first broken chain is named.

    Each chain is walked to its head as it stood when its walk began; events appended meanwhile
    are left for the next walk.
    """
    key = audit_key()
    partitions = set(AuditChainHead.objects.values_list("partition", flat=True))
    partitions |= set(AuditAnchor.objects.values_list("partition", flat=True).distinct())
    if full:
        # Events of a chain whose head row is gone: only a walk of every event finds them.
        partitions |= set(AuditEvent.objects.values_list("partition", flat=True).distinct())
    checked = anchors = 0
    for partition in sorted(partitions):
        report = _verify_partition(partition, key, full)
        checked += report.checked
        anchors += report.anchors
        if not report.ok:
            return ChainReport(checked, report.broken_event_id, report.problem, report.partition, report.seq, anchors)
    return ChainReport(checked, anchors=anchors)


def _verify_partition(partition: str, key: bytes, full: bool) -> ChainReport:
    def broken(problem, seq=None, event=None, checked=0):
        event_id = event.pk if event is not None else None
        return ChainReport(checked, event_id, problem, partition, seq, len(anchors))

    head = AuditChainHead.objects.filter(partition=partition).first()
    start = None if full else _checkpoint_anchor(partition)
    anchors = list(AuditAnchor.objects.filter(partition=partition, seq__gte=start.seq if start else 0).order_by("seq"))
    for anchor in anchors:
        if not anchor_signature_holds(anchor, key):
            return broken("signature", anchor.seq)
    if head is None:
        return broken("head")
    end = max([head.seq, *(anchor.seq for anchor in anchors)])
    if head.seq == 0 and end > 0:
        return broken("emptied", 1)
    events = AuditEvent.objects.filter(partition=partition).order_by("seq")
    previous, expected = GENESIS_HASH, 1
    if start is not None:
        first = events.filter(seq=start.seq).first()
        if first is None:
            return broken("gap", start.seq)
        if first.compute_hash() != first.hash:
            return broken("content", start.seq, first)
        if first.hash != start.head_hash:
            return broken("anchor", start.seq, first)
        previous, expected = first.hash, start.seq + 1
    sealed = {anchor.seq: anchor for anchor in anchors}
    # The first event after the last anchor that held: where a rewrite that an anchor shows may begin.
    unsealed_from = None
    checked = 0
    for event in events.filter(seq__gte=expected, seq__lte=end).iterator(chunk_size=2000):
        if event.seq != expected:
            return broken("gap", expected, event, checked)
        if event.prev_hash != previous:
            return broken("link", event.seq, event, checked)
        if event.compute_hash() != event.hash:
            return broken("content", event.seq, event, checked)
        unsealed_from = unsealed_from or event
        anchor = sealed.get(event.seq)
        if anchor is not None:
            if anchor.head_hash != event.hash:
                return broken("anchor", unsealed_from.seq, unsealed_from, checked)
            unsealed_from = None
        previous = event.hash
        expected += 1
        checked += 1
    if expected <= end:
        return broken("tail", expected, None, checked)
    if expected - 1 == head.seq and previous != head.last_hash:
        return broken("head", head.seq, None, checked)
    # One statement, so one snapshot: an event and the head that a writer moved with it are seen together.
    head_seq = AuditChainHead.objects.filter(partition=partition).values("seq")[:1]
    beyond = events.filter(seq__gt=Subquery(head_seq)).first()
    if beyond is not None:
        return broken("beyond", beyond.seq, beyond, checked)
    if anchors:
        AuditCheckpoint.objects.update_or_create(
            partition=partition, defaults={"anchor": anchors[-1], "checked_at": timezone.now()}
        )
    return ChainReport(checked, anchors=len(anchors))


def _checkpoint_anchor(partition: str) -> AuditAnchor | None:
    checkpoint = AuditCheckpoint.objects.filter(partition=partition).select_related("anchor").first()
    if checkpoint is None or checkpoint.anchor.partition != partition:
        return None
    return checkpoint.anchor


@dataclass(frozen=True)
class ExportedAnchorReport:
    checked: int
    problem: str = ""
    anchor: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problem


def exported_anchors_verify(exported: list[dict]) -> ExportedAnchorReport:
    """Check anchors kept outside the system against the chains: each must still be signed by
    the key and reached by its chain. Anchors removed from the database cannot hide a rewrite
    from a copy kept elsewhere."""
    key = audit_key()
    for checked, fields in enumerate(exported):
        anchor = AuditAnchor(
            **{name: fields[name] for name in ("partition", "seq", "head_hash", "event_count", "key_id", "signature")},
            created_at=datetime.fromisoformat(fields["created_at"]),
        )
        if not anchor_signature_holds(anchor, key):
            return ExportedAnchorReport(checked, "signature", fields)
        event = AuditEvent.objects.filter(partition=anchor.partition, seq=anchor.seq).first()
        if event is None or event.hash != anchor.head_hash or event.compute_hash() != event.hash:
            return ExportedAnchorReport(checked, "anchor", fields)
    return ExportedAnchorReport(len(exported))


def anchors_export(anchors) -> dict:
    """Anchors as they are kept outside the system: `verify_audit --anchors FILE` reads this back."""
    return {
        "format": "aidsys-audit-anchors-1",
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "anchors": [anchor.as_dict() for anchor in anchors.order_by("partition", "seq")],
    }


def audit_anchors_exported(*, actor, county, count: int) -> None:
    """An export of anchors is itself an audited export, in the county's chain when of one county."""
    from aidsys.services.audit import Action, audit_record

    audit_record(
        actor=actor,
        action=Action.EXPORT,
        county=county,
        object_repr=_("Audit anchors ({count})").format(count=count),
    )
