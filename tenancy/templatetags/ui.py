from django import template

register = template.Library()


@register.filter
def bs(field):
    """Render a form field with Bootstrap's classes, marked invalid when it has errors."""
    widget = field.field.widget
    css = "form-select" if getattr(widget, "input_type", "") == "select" or widget.__class__.__name__ in {"Select", "SelectMultiple"} else "form-control"
    if getattr(widget, "input_type", "") == "checkbox":
        css = "form-check-input"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})
