import pytest

from statkit import mean, median


def test_mean():
    assert mean([1, 2, 3, 4]) == 2.5


def test_median_odd_length():
    assert median([3, 1, 2]) == 2


def test_median_empty_raises():
    with pytest.raises(ValueError):
        median([])


def test_median_even_length():
    assert median([1, 2, 3, 4]) == 2.5


def test_median_unsorted_even():
    assert median([10, 2, 8, 4]) == 6
