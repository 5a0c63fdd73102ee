"""The audit trail: append-only, each event chained by a hash to the one before it in its partition.

A partition is a county ("c<county id>"), the accounts ("accounts": sign-ins, users and
memberships of no county) or the rest of the system ("system"). Each has its own chain and its
own head row, so that writers of different counties never wait on each other. The chain's head
is sealed on a schedule into an `AuditAnchor`, signed with a key kept outside the database.

The trail from before partitions is the partition "legacy": its events keep the hashes they
were written with (`legacy_hash`), numbered in the order they were written; nothing is appended
to it any more, and its first anchor seals it as it stands.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from aidsys.scope import ScopedQuerySet, scope_for

GENESIS_HASH = "0" * 64
ACCOUNTS = "accounts"
SYSTEM = "system"
LEGACY = "legacy"


def county_partition(county_id: int) -> str:
    return f"c{county_id}"


class AuditTrailIsAppendOnly(Exception):
    pass


class AuditQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("audit events are never changed")

    def delete(self):
        raise AuditTrailIsAppendOnly("audit events are never deleted")

    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        TRANSITION = "transition", _("Status change")
        EXPORT = "export", _("Exported")
        PRINT = "print", _("Printed")
        REVEAL_SENSITIVE = "reveal_sensitive", _("Sensitive data shown")
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Signed out")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_name = models.CharField(_("actor's name"), max_length=150)
    actor_role = models.CharField(_("actor's role"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("object type")
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # The organisation unit the target belongs to, so that the trail itself can be scoped.
    school = models.ForeignKey(
        "aidsys.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
    )
    county = models.ForeignKey(
        "aidsys.County",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(_("reason"), blank=True)
    partition = models.CharField(_("chain"), max_length=24)
    seq = models.PositiveBigIntegerField(_("number in its chain"))
    prev_hash = models.CharField(_("previous event's hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()
    scope_paths = {"county": "county", "school": "school"}

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_target_idx")]
        constraints = [models.UniqueConstraint(fields=["partition", "seq"], name="audit_one_event_per_link")]

    def __str__(self):
        return f"{self.created_at} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditTrailIsAppendOnly("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("audit events are never deleted")

    def content_for_hash(self) -> dict:
        """What the hash covers besides the link: everything the event says."""
        return {
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "actor_role": self.actor_role,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "request_id": self.request_id,
            "ip": self.ip,
            "action": self.action,
            "content_type_id": self.content_type_id,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "school_id": self.school_id,
            "county_id": self.county_id,
            "changes": self.changes,
            "reason": self.reason,
        }

    def canonical_content(self) -> str:
        return json.dumps(
            self.content_for_hash(), cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )

    def compute_hash(self, content: str | None = None) -> str:
        """The hash of the link (partition, number, previous hash) and of the content.

        `content` is `canonical_content()`, which a writer computes before it locks its chain's head.
        """
        if self.partition == LEGACY:
            return self.legacy_hash()
        content = self.canonical_content() if content is None else content
        link = f"{self.partition}\n{self.seq}\n{self.prev_hash}\n"
        return hashlib.sha256((link + content).encode("utf-8")).hexdigest()

    def legacy_hash(self) -> str:
        """The hash of an event written before partitions: the content with the previous hash in it."""
        canonical = json.dumps(
            {**self.content_for_hash(), "prev_hash": self.prev_hash},
            cls=DjangoJSONEncoder,
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AuditChainHead(models.Model):
    """The newest link of one partition's chain. Locking it orders that partition's appends."""

    partition = models.CharField(max_length=24, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"{self.partition} #{self.seq} {self.last_hash}"


class AnchorQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("audit anchors are never changed")

    def delete(self):
        raise AuditTrailIsAppendOnly("audit anchors are never deleted")

    def visible_to(self, user):
        """County staff see their counties' chains; the administrator sees every chain."""
        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        return self.filter(partition__in=[county_partition(pk) for pk in scope.county_ids])


class AuditAnchor(models.Model):
    """A chain's head as it stood when sealed, signed with a key that is not in the database.

    Whoever can rewrite the database can recompute every hash of a chain, but cannot sign: an
    anchor pins the chain up to its `seq`, and a copy kept outside the system pins it even if
    anchors themselves are removed. Each line of the signed text is one field (`signed_text`).
    """

    partition = models.CharField(_("chain"), max_length=24)
    seq = models.PositiveBigIntegerField(_("number of the sealed event"))
    head_hash = models.CharField(_("hash of the sealed event"), max_length=64)
    event_count = models.PositiveBigIntegerField(_("events"))
    created_at = models.DateTimeField(_("sealed at"))
    key_id = models.CharField(_("key"), max_length=16)
    signature = models.CharField(_("signature"), max_length=64)

    objects = AnchorQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit anchor")
        verbose_name_plural = _("audit anchors")
        ordering = ["partition", "seq"]
        constraints = [models.UniqueConstraint(fields=["partition", "seq"], name="audit_one_anchor_per_link")]

    def __str__(self):
        return f"{self.partition} #{self.seq} {self.head_hash}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditTrailIsAppendOnly("audit anchors are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("audit anchors are never deleted")

    def signed_text(self) -> str:
        created = self.created_at.isoformat(timespec="microseconds")
        fields = ["aidsys-audit-anchor-1", self.partition, self.seq, self.head_hash, self.event_count, created]
        return "\n".join(str(value) for value in fields)

    def as_dict(self) -> dict:
        """The anchor as exported: everything needed to check it again, outside the system."""
        return {
            "partition": self.partition,
            "seq": self.seq,
            "head_hash": self.head_hash,
            "event_count": self.event_count,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "key_id": self.key_id,
            "signature": self.signature,
        }


class AuditCheckpoint(models.Model):
    """How far `verify_audit` has walked a partition's chain and found it whole: the next walk
    starts from this anchor (checked again against its signature), not from the first event."""

    partition = models.CharField(max_length=24, unique=True)
    anchor = models.ForeignKey(AuditAnchor, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField()

    class Meta:
        verbose_name = _("audit checkpoint")

    def __str__(self):
        return f"{self.partition} #{self.anchor.seq}"
