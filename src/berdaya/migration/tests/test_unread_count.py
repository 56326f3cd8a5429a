"""The menu's unread badge: each user's own unread notifications, by a query compiled once (core.compiled)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from berdaya.migration import selectors
from berdaya.migration.models import Notification
from berdaya.testing import factories as f


def test_each_user_counts_their_own_unread_notifications(areas):
    alice, bob, carol = f.user(), f.user(), f.user()
    for recipient, unread, read in ((alice, 3, 2), (bob, 0, 1)):
        for i in range(unread + read):
            Notification.objects.create(
                recipient=recipient, kind="assigned", message=f"#{i}", read_at=timezone.now() if i >= unread else None
            )
    for user in (alice, bob, carol):
        expected = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        assert selectors.unread_count(user) == expected
    assert [selectors.unread_count(u) for u in (alice, bob, carol)] == [3, 0, 0]
    assert selectors.unread_count(AnonymousUser()) == 0
    assert selectors.unread_count(None) == 0


def test_the_count_is_compiled_once(areas):
    alice = f.user()
    Notification.objects.create(recipient=alice, kind="assigned", message="x")
    selectors.unread_count(alice)
    with CaptureQueriesContext(connection) as captured:
        assert selectors.unread_count(alice) == 1
    assert len(captured) == 1
    assert selectors._UNREAD._shapes[connection.alias] is not None  # the stored SQL ran, not a new compilation
