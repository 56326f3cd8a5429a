from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, panel) -> SafeString:
    """Render a registered panel (registry.panels) as {% include %} would, with the panel's own context added."""
    panel_template = context.template.engine.get_template(panel.template)
    with context.push(**panel.context):
        return panel_template.render(context)
