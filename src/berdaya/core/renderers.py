"""The form renderer: Django's, with a <select>, an <input> and a <textarea> written out in Python.

Django renders every <option> of a select through two included templates (the option and its attributes): a filter
form of five selects and 80 choices spent about 10 ms on its options, on every request of the list and dashboard
pages. `FormRenderer` writes Django's own select and option markup (django/forms/widgets/select.html,
select_option.html and attrs.html, character for character) directly; likewise the text-like inputs (input.html,
included alone by text.html, date.html, number.html...) and textarea.html, ≈ 0.2 ms each through the templates (the
person page's two forms for officers). Anything else (checkboxes, radios, files, a select whose options use another
template) goes through the templates as before. core/tests/test_renderers.py holds both outputs equal.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
TEXTAREA = "django/forms/widgets/textarea.html"
# The widgets whose template is `{% include "django/forms/widgets/input.html" %}` and nothing else.
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search", "tel")
)


def _attrs(attrs: dict[str, Any]) -> str:
    # attrs.html: a False value is left out, a True one written bare, any other as its str(), escaped.
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(parts)


def render_select(widget: dict[str, Any]) -> SafeString | None:
    """select.html for a widget's context, or None when an option has a template of its own."""
    out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _group_index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != OPTION:
                return None
            out.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return mark_safe("".join(out))  # every value above is escaped


def render_input(widget: dict[str, Any]) -> SafeString:
    """input.html: `value` only when the widget's value is not None, written as its str(), escaped."""
    value = "" if widget["value"] is None else f' value="{conditional_escape(str(widget["value"]))}"'
    html = (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )
    return mark_safe(html)  # every value above is escaped


def render_textarea(widget: dict[str, Any]) -> SafeString:
    """textarea.html: a newline after the opening tag, then the value when it is truthy, escaped."""
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return mark_safe(
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'
    )


class FormRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == SELECT:
            html = render_select(context["widget"])
            if html is not None:
                return html
        elif template_name in INPUTS:
            return render_input(context["widget"])
        elif template_name == TEXTAREA:
            return render_textarea(context["widget"])
        return super().render(template_name, context, request=request)
