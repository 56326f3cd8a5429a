"""The names the outbox used before providers (markets/providers.py): kept so callers and tests written against them
keep working."""

from __future__ import annotations

from .providers import ConsoleProvider as ConsoleSender
from .providers import FileProvider as FileSender
from .providers import HttpGatewayProvider as HttpSmsSender
from .providers import PermanentSendError, SendError
from .providers import Provider as Sender
from .providers import get_provider as get_sender

__all__ = ["ConsoleSender", "FileSender", "HttpSmsSender", "PermanentSendError", "SendError", "Sender", "get_sender"]
