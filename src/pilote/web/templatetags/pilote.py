from django import template

register = template.Library()


@register.filter
def percent(value):
    """0.4286 -> '43 %'; None -> 'no data' (never a silent 0)."""
    if value is None:
        return "sans donnée"
    return f"{round(value * 100)} %"
