from django import template

register = template.Library()


@register.simple_tag
def oblast_map(values, caption):
    """Placeholder until the SVG map lands."""
    return ""
