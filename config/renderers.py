"""How every form field looks: Django's own rendering, with Bootstrap 5.3's markup.

`{{ form.x.as_field_group }}` renders templates/forms/field.html (label, widget, help text,
errors under the ids the widget's aria-describedby names); `{{ form.x }}` the widget alone.
Widgets render through Django's widget templates (the checkbox lists through the overrides in
templates/django/forms/widgets/); the Bootstrap class each widget needs is set here, as a
widget attribute, where Django builds them."""

from __future__ import annotations

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

# Choices drawn as a list of checkboxes or radios: each box is a Bootstrap form-check.
_CHOICE_LISTS = (forms.CheckboxSelectMultiple, forms.RadioSelect)


def bootstrap_class(widget: forms.Widget) -> str:
    """The Bootstrap class of a widget's control: form-select, form-check-input, form-range or
    form-control; none for hidden inputs."""
    if widget.is_hidden:
        return ""
    if isinstance(widget, _CHOICE_LISTS) or getattr(widget, "input_type", "") in ("checkbox", "radio"):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    if getattr(widget, "input_type", "") == "range":
        return "form-range"
    return "form-control"


class BootstrapBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        """Django's attributes (required, aria-invalid, aria-describedby) and, unless the
        template passed its own, the control's class: Bootstrap's, then the widget's own
        ("form-control-sm"), then is-invalid when the field has errors (not on a list of
        checkboxes: the list is marked, not each box)."""
        widget = widget or self.field.widget
        attrs = super().build_widget_attrs(attrs, widget)
        if "class" in attrs or widget.is_hidden:
            return attrs
        classes = [bootstrap_class(widget), *widget.attrs.get("class", "").split()]
        if "aria-invalid" in attrs and not isinstance(widget, _CHOICE_LISTS):
            classes.append("is-invalid")
        return {"class": " ".join(dict.fromkeys(classes)), **attrs}


class FormRenderer(TemplatesSetting):
    """Templates from the project's TEMPLATES (so templates/django/forms/ overrides Django's),
    one field template, Bootstrap's classes on every widget."""

    field_template_name = "forms/field.html"
    bound_field_class = BootstrapBoundField
