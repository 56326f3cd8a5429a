"""Logged-in test clients."""

from __future__ import annotations

from django.test import Client


def client_for(user) -> Client:
    """A test client signed in as `user`, without the login form (the login tests go through it)."""
    client = Client()
    client.force_login(user)
    return client
