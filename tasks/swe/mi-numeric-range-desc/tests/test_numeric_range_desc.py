from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from more_itertools import numeric_range


def test_index_descending_int():
    r = numeric_range(10, 0, -2)
    assert [r.index(v) for v in (10, 8, 6, 4, 2)] == [0, 1, 2, 3, 4]


def test_index_descending_fraction():
    r = numeric_range(Fraction(3), Fraction(0), Fraction(-1, 2))
    assert r.index(Fraction(5, 2)) == 1
    with pytest.raises(ValueError):
        r.index(Fraction(1, 3))


def test_index_round_trips_with_getitem():
    r = numeric_range(Decimal("5"), Decimal("-5"), Decimal("-1.5"))
    for i, value in enumerate(r):
        assert r.index(value) == i
        assert r[i] == value


def test_reversed_ascending():
    assert list(reversed(numeric_range(0, 10, 3))) == [9, 6, 3, 0]


def test_reversed_descending():
    assert list(reversed(numeric_range(7, 0, -2))) == [1, 3, 5, 7]


def test_reversed_datetimes():
    start = datetime(2020, 1, 1)
    r = numeric_range(start, start + timedelta(days=3), timedelta(days=1))
    assert list(reversed(r)) == [start + timedelta(days=d) for d in (2, 1, 0)]


def test_reversed_matches_list():
    for args in [(5,), (1, 9, 2), (2.0, -1.0, -0.5), (0, 0)]:
        r = numeric_range(*args)
        assert list(reversed(r)) == list(r)[::-1]
