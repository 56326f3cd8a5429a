"""django-filter's FilterSet without its per-request deep copies (the base of every list's filterset).

A FilterSet deep-copies all its filters for each instance, then builds a form class from fresh fields, which the
form deep-copies once more; with the querysets and choices they hold that was most of a filtered API list's
filtering CPU (about 2 ms of a 13 ms request). Here each instance gets a shallow copy of each filter, with what a
filter changes on itself made its own (its `extra` arguments, its cached form field, the method bound to it), and the
form keeps the fields made for that one instance. Nothing is shared between two requests that one of them changes.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

import django_filters as df
from django_filters.filters import Filter


def _own_copy(base: Filter) -> Filter:
    """A copy of `base` for one FilterSet instance (what deepcopy gave, for the attributes a filter changes)."""
    new = copy.copy(base)
    new.extra = dict(base.extra)  # QuerySetRequestMixin.field writes the request's queryset into it
    new.__dict__.pop("_field", None)  # the form field is made per instance, from this instance's request
    if base.method is not None:
        new.method = base.method  # a FilterMethod bound to the copy (its parent FilterSet is the instance's)
    return new


class _Filters(OrderedDict):
    """The class's filters: copied one by one, shallowly, for each instance."""

    def __deepcopy__(self, memo: dict[int, Any]) -> OrderedDict[str, Filter]:
        return OrderedDict((name, _own_copy(f)) for name, f in self.items())


class _InstanceFields(dict):
    """A form class's fields made for one FilterSet instance: its one form takes them as they are."""

    own: set[int]

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {name: f if id(f) in self.own else copy.deepcopy(f, memo) for name, f in self.items()}


class FilterSet(df.FilterSet):
    # Set by a caller that never shows the form (the API's filter backend): the form is made only of the fields of
    # the filters the request's data names (a name, or the start of a name: a range's `_min`/`_after` parts). The
    # others would filter nothing: django-filter filters field by field of the form's cleaned data, and an absent
    # value is no filter, while each field built cost CPU (about a fifth of a filtered API list's).
    only_asked: bool = False

    @classmethod
    def get_filters(cls) -> OrderedDict[str, Filter]:
        return _Filters(super().get_filters())

    def get_form_class(self) -> Any:
        filters = self.filters
        if self.only_asked:
            keys = list(self.data) if self.data is not None else []
            filters = {n: f for n, f in filters.items() if any(k.startswith(n) for k in keys)}
        # A class made for this instance, from its own filters' fields (as django-filter's get_form_class).
        form: Any = type(f"{type(self).__name__}Form", (self._meta.form,), {n: f.field for n, f in filters.items()})
        fields = _InstanceFields(form.base_fields)
        fields.own = {id(f.field) for f in filters.values()}
        form.base_fields = fields
        return form
