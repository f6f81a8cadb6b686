import pytest

from more_itertools import chunked


def test_strict_raises_on_short_last_chunk():
    it = chunked([1, 2, 3, 4, 5], 2, strict=True)
    assert next(it) == [1, 2]
    assert next(it) == [3, 4]
    with pytest.raises(ValueError):
        next(it)


def test_strict_raises_for_whole_short_input():
    with pytest.raises(ValueError):
        list(chunked("ab", 3, strict=True))


def test_strict_accepts_exact_multiple():
    assert list(chunked(range(6), 3, strict=True)) == [[0, 1, 2], [3, 4, 5]]


def test_not_strict_keeps_short_last_chunk():
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
