"""Every demo login that exists, its password and what the role sees: the table `make run` prints last.

The demo app is the top layer, so it reads each domain's demo logins directly; no app below it knows the table.
"""

from __future__ import annotations

from berdaya.demo import migration, registry


def demo_login_rows() -> list[tuple[str, str, str, str]]:
    """(username, role, password, what they see): the registry's logins, then the case workers."""
    return [*registry.demo_logins_table(), *migration.demo_logins_table()]
