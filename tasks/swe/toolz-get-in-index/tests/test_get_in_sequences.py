import pytest

from toolz import get_in


def test_index_out_of_range_gives_default():
    data = {"a": [10, 20]}
    assert get_in(["a", 5], data) is None
    assert get_in(["a", 5], data, default="none") == "none"


def test_index_out_of_range_no_default_raises():
    with pytest.raises(IndexError):
        get_in(["a", 5], {"a": [1]}, no_default=True)


def test_nested_list_lookup():
    data = {"rows": [{"id": 1}, {"id": 2}]}
    assert get_in(["rows", 1, "id"], data) == 2
    assert get_in(["rows", 2, "id"], data, 0) == 0


def test_missing_key_still_defaults():
    assert get_in(["x", "y"], {"x": {}}, 7) == 7
