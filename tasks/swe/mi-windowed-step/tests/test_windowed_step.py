import pytest

from more_itertools import windowed

DATA = ["a", "b", "c", "d", "e", "f", "g", "h"]


@pytest.mark.parametrize(
    "n, step, expected",
    [
        (3, 3, [("a", "b", "c"), ("d", "e", "f"), ("g", "h", None)]),
        (2, 3, [("a", "b"), ("d", "e"), ("g", "h")]),
        (3, 4, [("a", "b", "c"), ("e", "f", "g")]),
        (4, 3, [("a", "b", "c", "d"), ("d", "e", "f", "g"), ("g", "h", None, None)]),
        (3, 5, [("a", "b", "c"), ("f", "g", "h")]),
        (3, 6, [("a", "b", "c"), ("g", "h", None)]),
        (3, 7, [("a", "b", "c"), ("h", None, None)]),
        (3, 8, [("a", "b", "c")]),
    ],
)
def test_step_reaches_the_end(n, step, expected):
    assert list(windowed(DATA, n, step=step)) == expected


def test_step_fillvalue_used_for_last_window():
    assert list(windowed(range(5), 2, fillvalue="-", step=2)) == [(0, 1), (2, 3), (4, "-")]


def test_step_one_unchanged():
    assert list(windowed(range(4), 2)) == [(0, 1), (1, 2), (2, 3)]


def test_short_input_padded():
    assert list(windowed([1, 2], 4)) == [(1, 2, None, None)]
