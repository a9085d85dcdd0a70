"""Member-level access grants: none / read / write on a member's subtree, to a user or a group."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models


class Access(models.TextChoices):
    NONE = "none"
    READ = "read"
    WRITE = "write"


LEVEL: dict[str, int] = {Access.NONE: 0, Access.READ: 1, Access.WRITE: 2}


def user_or_group(name: str) -> models.CheckConstraint:
    """Given either to one user or to one group, never both or neither."""
    return models.CheckConstraint(
        condition=models.Q(user__isnull=False, group__isnull=True) | models.Q(user__isnull=True, group__isnull=False),
        name=name,
    )


class Grant(models.Model):
    """Access to `member` and everything under it, unless a deeper grant says otherwise."""

    model = models.ForeignKey("planning.Model", on_delete=models.CASCADE, related_name="grants")
    dimension = models.ForeignKey("planning.Dimension", on_delete=models.CASCADE, related_name="grants")
    member = models.ForeignKey("planning.Member", on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE)
    access = models.CharField(max_length=8, choices=Access.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            user_or_group("grant_to_a_user_or_a_group"),
            models.UniqueConstraint(fields=["member", "user"], name="one_grant_per_member_and_user"),
            models.UniqueConstraint(fields=["member", "group"], name="one_grant_per_member_and_group"),
        ]
        indexes = [models.Index(fields=["model", "user"]), models.Index(fields=["model", "group"])]


class ApiToken(models.Model):
    """A machine's key: stored as a SHA-256 digest, limited to one role (and optionally one model), revocable."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)  # shown to people, used to find the row
    digest = models.CharField(max_length=64)  # sha256 of the whole key; the key itself is never stored
    role = models.CharField(max_length=16)
    model = models.ForeignKey("planning.Model", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class ModelRole(models.Model):
    """A role in one model, given to a user or a group, on top of the roles held everywhere (their groups)."""

    model = models.ForeignKey("planning.Model", on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            user_or_group("model_role_to_user_or_group"),
            models.UniqueConstraint(fields=["model", "user", "group", "role"], name="model_role_once"),
        ]
