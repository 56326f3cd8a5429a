"""`{% translate "text" %}` that keeps its translation per catalog.

At start (core's AppConfig.ready) `install()` puts this module's compile function for `{% translate %}` and
`{% trans %}` into Django's own `i18n` library (another library of the same name would be a duplicate to Django's
checks, templates.W003), so `{% load i18n %}` gives it: a constant text makes a node that translates once per
catalog and then gives the kept text; anything else makes Django's node. Django's node makes a lazy string on every
render and forces it (≈ 10 µs a tag; the person page has ≈ 75). A constant text is a quoted string without filters,
with no context or a quoted one: its translation depends only on the catalog `gettext` reads (the active
translation, else the default one), which is the key, and on whether autoescaping is on (the text is safe, so it
never changes the text, but it is in the key all the same). A miss renders as Django's node does. `makemessages`
reads the same tags.
"""

from __future__ import annotations

from typing import Any

from django.template import Variable
from django.template.base import render_value_in_context
from django.templatetags import i18n as django_i18n
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import trans_real

_real: Any = trans_real  # its `_active` (the thread's translation) and `_default`, as its `gettext` reads them


class KeptTranslateNode(django_i18n.TranslateNode):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        expression, context = self.filter_expression, self.message_context
        self.constant = (
            isinstance(expression.var, Variable)
            and expression.var.lookups is None
            and not expression.filters
            and (context is None or (not isinstance(context.var, Variable) and not context.filters))
        )
        self.kept: dict[tuple[Any, bool], Any] = {}

    def _translated(self, context: Any) -> Any:
        # Django's TranslateNode.render, up to the value it gives or stores (the node is shared between threads: its
        # `asvar` is never changed).
        self.filter_expression.var.translate = not self.noop
        if self.message_context:
            self.filter_expression.var.message_context = self.message_context.resolve(context)
        output = self.filter_expression.resolve(context)
        value = render_value_in_context(output, context)
        is_safe = isinstance(value, SafeData)
        value = value.replace("%%", "%")
        return mark_safe(value) if is_safe else value

    def render(self, context: Any) -> Any:
        if not self.constant:
            return super().render(context)
        catalog = getattr(_real._active, "value", None)
        if catalog is None:
            catalog = _real._default
        key = (catalog, context.autoescape)
        value = self.kept.get(key) if catalog is not None else None
        if value is None:
            value = self._translated(context)
            if catalog is not None:
                if len(self.kept) > 16:  # a few catalogs in a process's life (tests make new ones)
                    self.kept.clear()
                self.kept[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _kept(tag: Any) -> Any:
    def compile_tag(parser: Any, token: Any) -> Any:
        node = tag(parser, token)
        if type(node) is django_i18n.TranslateNode:
            return KeptTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)
        return node

    compile_tag.kept = True  # type: ignore[attr-defined]
    return compile_tag


def install() -> None:
    """`{% translate %}` and `{% trans %}` of Django's `i18n` library compile to kept nodes (once; Django's own
    compile function, `django.templatetags.i18n.do_translate`, is left as it is)."""
    tags = django_i18n.register.tags
    if getattr(tags.get("translate"), "kept", False):
        return
    for name in ("translate", "trans"):
        tags[name] = _kept(django_i18n.do_translate)
