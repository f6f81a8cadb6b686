from collections import OrderedDict, defaultdict

from toolz import assoc_in, merge, merge_with, update_in


def test_merge_with_uses_factory():
    out = merge_with(sum, {"a": 1}, {"a": 2, "b": 3}, factory=OrderedDict)
    assert type(out) is OrderedDict
    assert out == OrderedDict([("a", 3), ("b", 3)])


def test_merge_with_iterable_uses_factory():
    out = merge_with(list, [{"a": 1}, {"a": 2}], factory=lambda: defaultdict(int))
    assert isinstance(out, defaultdict) and out == {"a": [1, 2]}


def test_assoc_in_new_levels_use_factory():
    out = assoc_in({}, ["x", "y", "z"], 1, factory=OrderedDict)
    assert type(out) is OrderedDict
    assert type(out["x"]) is OrderedDict
    assert type(out["x"]["y"]) is OrderedDict


def test_update_in_new_levels_use_factory():
    out = update_in(OrderedDict(), ["a", "b"], lambda v: v + 1, default=0, factory=OrderedDict)
    assert type(out["a"]) is OrderedDict and out["a"]["b"] == 1


def test_update_in_existing_levels_use_factory():
    out = update_in({"a": {"b": 1}}, ["a", "b"], str, factory=OrderedDict)
    assert type(out["a"]) is OrderedDict and out == {"a": {"b": "1"}}


def test_merge_unaffected():
    assert type(merge({"a": 1}, factory=OrderedDict)) is OrderedDict
