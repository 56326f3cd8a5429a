from django import template

from berdaya.targeting.choices import MinimumGroup, PriorityKey

register = template.Library()


@register.filter
def minimum_group_label(code: str) -> str:
    """'disability' -> 'penyandang disabilitas': a stored quota code is never shown as it is."""
    return str(MinimumGroup(code).label).lower() if code in MinimumGroup.values else code


@register.filter
def priority_label(code: str) -> str:
    return str(PriorityKey(code).label).lower() if code in PriorityKey.values else code
