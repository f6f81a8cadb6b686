import pytest

from toolz import partition_all


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("length", range(0, 15))
def test_iterator_matches_list(n, length):
    expected = list(partition_all(n, list(range(length))))
    assert list(partition_all(n, iter(range(length)))) == expected


def test_generator_last_partition():
    gen = (c for c in "abcdef")
    assert list(partition_all(4, gen)) == [("a", "b", "c", "d"), ("e", "f")]


def test_list_last_partition():
    assert list(partition_all(4, "abcdef")) == [("a", "b", "c", "d"), ("e", "f")]
