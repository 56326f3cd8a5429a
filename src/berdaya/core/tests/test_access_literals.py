"""Roles are grouped and compared in the access kernel only (core/access.py, core/roles.py).

Everywhere else code asks a capability (`capabilities(user).regency_wide`, `caps.sees_people` in templates) or a
named set (`role__in=REGENCY_WIDE`), so that a role's reach changes in one place. This test reads the source, Python
and templates, and fails on a literal role set (`{Role.ADMIN, Role.OFFICER}`, `["admin", "officer"]`) or a
comparison with a role (`actor.role == "partner"`, `login.role == User.Role.ADMIN`, `{% if caps.role == "viewer" %}`).
Tests, migrations and the kernel itself are not read."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from berdaya.core.roles import Role

SRC = Path(__file__).resolve().parents[2]
KERNEL = {SRC / "core" / "access.py", SRC / "core" / "roles.py"}
ROLE_VALUES = frozenset(Role.values)
ROLE_NAMES = frozenset(Role.names)
COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)


def _is_role_member(node: ast.AST) -> bool:
    """`Role.ADMIN`, `User.Role.ADMIN`, `self.Role.ADMIN`."""
    if not (isinstance(node, ast.Attribute) and node.attr in ROLE_NAMES):
        return False
    owner = node.value
    return (isinstance(owner, ast.Name) and owner.id == "Role") or (
        isinstance(owner, ast.Attribute) and owner.attr == "Role"
    )


def _is_role_string(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in ROLE_VALUES


def _mentions_role(node: ast.AST) -> bool:
    """`role`, `caps.role`, `actor.role`, `getattr(user, "role", "")`."""
    if isinstance(node, ast.Name):
        return node.id == "role"
    if isinstance(node, ast.Attribute):
        return node.attr == "role"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
        return any(isinstance(arg, ast.Constant) and arg.value == "role" for arg in node.args[1:2])
    return False


def _is_role_collection(node: ast.AST) -> bool:
    if not isinstance(node, ast.Set | ast.List | ast.Tuple):
        return False
    members = sum(_is_role_member(e) for e in node.elts)
    strings = sum(_is_role_string(e) for e in node.elts)
    return members > 0 or strings > 1


def python_findings(source: str) -> list[tuple[int, str]]:
    """(line, what) for each literal role set or role comparison in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if _is_role_collection(node):
            found.append((node.lineno, "literal role set"))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, sides, sides[1:], strict=False):
                if not isinstance(op, COMPARISONS):
                    continue
                pair = (left, right)
                if any(_is_role_member(side) for side in pair):
                    found.append((node.lineno, "comparison with a role"))
                elif any(_is_role_string(side) for side in pair) and any(_mentions_role(side) for side in pair):
                    found.append((node.lineno, "comparison with a role string"))
                elif isinstance(op, ast.In | ast.NotIn) and _mentions_role(left) and isinstance(right, ast.Constant):
                    found.append((node.lineno, "role tested against a string"))
        elif isinstance(node, ast.keyword) and node.arg in {"role", "role__in"} and _is_role_string(node.value):
            found.append((node.value.lineno, "role looked up by a string"))
    return found


TEMPLATE_TAG = re.compile(r"{%.*?%}", re.DOTALL)
TEMPLATE_ROLE = re.compile(
    r"\brole\b\s*(?:==|!=|\bnot\s+in\b|\bin\b)"
    rf"|(?:==|!=)\s*[\"'](?:{'|'.join(sorted(ROLE_VALUES))})[\"']"
)


def template_findings(text: str) -> list[tuple[int, str]]:
    found = []
    for tag in TEMPLATE_TAG.finditer(text):
        if TEMPLATE_ROLE.search(tag.group()):
            found.append((text.count("\n", 0, tag.start()) + 1, tag.group()[:80]))
    return found


def _sources(suffix: str):
    for path in sorted(SRC.rglob(f"*{suffix}")):
        parts = set(path.relative_to(SRC).parts)
        if path in KERNEL or parts & {"tests", "migrations"} or path.name == "conftest.py":
            continue
        yield path


@pytest.mark.parametrize(
    "code",
    [
        "if caps.role in {Role.ADMIN, Role.OFFICER}: pass",
        'ROLES = frozenset({"admin", "officer"})',
        "users = User.objects.filter(role__in=[User.Role.OFFICER, User.Role.ADMIN])",
        'if actor.role == "partner": pass',
        "if login.role == User.Role.ADMIN: pass",
        'if "viewer" != capabilities(user).role: pass',
        'exact = getattr(value, "role", "") in {"admin", "officer"}',
        'actor = User.objects.filter(role="admin").first()',
        'if caps.role in "admin officer": pass',
    ],
)
def test_it_finds_each_kind_of_role_literal(code):
    assert python_findings(code)


@pytest.mark.parametrize(
    "code",
    [
        "if caps.regency_wide: pass",
        "users = User.objects.filter(role__in=REGENCY_WIDE)",
        "actor = User.objects.filter(role=User.Role.ADMIN).first()",
        'LABELS = {Role.ADMIN: "Administrator", Role.VIEWER: "Pemantau"}',
        'LOGIN = DemoLogin("admin", User.Role.ADMIN, "secret")',
        'if source == "partner": pass',
        "if role in VILLAGE_SCOPED: pass",
    ],
)
def test_it_lets_capabilities_named_sets_and_role_tables_through(code):
    assert not python_findings(code)


def test_it_finds_role_checks_in_templates():
    assert template_findings('{% if caps.role == "admin" or caps.role == "officer" %}x{% endif %}')
    assert template_findings('{% if caps.role in "admin officer facilitator" %}x{% endif %}')
    assert template_findings("{% elif caps.role == 'viewer' %}")
    assert not template_findings('{% if caps.regency_wide %}<div role="alert">admin</div>{% endif %}')
    assert not template_findings("{{ user.get_role_display }}")


def test_no_literal_role_set_or_role_comparison_outside_the_kernel():
    problems = []
    for path in _sources(".py"):
        for line, what in python_findings(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(SRC)}:{line}: {what}")
    for path in _sources(".html"):
        for line, what in template_findings(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(SRC)}:{line}: {what}")
    assert not problems, (
        "Ask a capability (core.access.capabilities) or a named role set of core.access instead:\n"
        + "\n".join(problems)
    )
