"""Notifications: an in-app message per user and an e-mail, sent only once the transaction that caused it commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from opencorpo.core.errors import NotFound
from opencorpo.governance.models import Notification

logger = logging.getLogger(__name__)


def notify(users: Iterable[Any], *, subject: str, text: str, link: str) -> list[Notification]:
    """An in-app notification for each user, and an e-mail to each who has an address (after commit)."""
    people = list({u.pk: u for u in users}.values())
    created = Notification.objects.bulk_create([Notification(user=u, text=text, link=link) for u in people])
    addresses = sorted({u.email for u in people if u.email})
    if addresses:
        body = f"{text}\n\nOpen it: {getattr(settings, 'SITE_URL', '').rstrip('/')}{link}\n"
        messages = [(subject, body, None, [address]) for address in addresses]  # one each: no shared recipients
        transaction.on_commit(lambda: _send(messages))
    return created


def _send(messages: list[tuple[str, str, None, list[str]]]) -> None:
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:  # a mail server that is down must not undo or fail the transition
        logger.exception("notification e-mails could not be sent", extra={"count": len(messages)})


def notification_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; someone else's answers like a missing one."""
    found = Notification.objects.filter(user_id=user.pk, pk=notification_id).first()
    if found is None:
        raise NotFound(f"You have no notification {notification_id}.")
    if not found.read:
        found.read = True
        found.save(update_fields=["read"])
    return found


def notification_json(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "text": notification.text,
        "link": notification.link,
        "read": notification.read,
        "created_at": notification.created_at.isoformat(),
    }
