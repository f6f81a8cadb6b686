from more_itertools import split_after, split_at, split_before, split_when

WORDS = ["go", "STOP", "run", "STOP", "walk", "STOP", "jump"]


def is_stop(w):
    return w == "STOP"


def test_split_before_maxsplit_two():
    assert list(split_before(WORDS, is_stop, maxsplit=2)) == [
        ["go"],
        ["STOP", "run"],
        ["STOP", "walk", "STOP", "jump"],
    ]


def test_split_before_maxsplit_one():
    assert list(split_before(WORDS, is_stop, maxsplit=1)) == [["go"], ["STOP", "run", "STOP", "walk", "STOP", "jump"]]


def test_split_before_unlimited():
    assert len(list(split_before(WORDS, is_stop))) == 4


def test_split_when_maxsplit_keeps_boundary_item():
    data = [1, 2, 3, 2, 5, 6, 1, 7]
    assert list(split_when(data, lambda a, b: a > b, maxsplit=1)) == [[1, 2, 3], [2, 5, 6, 1, 7]]


def test_split_when_maxsplit_two():
    data = [5, 4, 3, 2, 1]
    assert list(split_when(data, lambda a, b: a > b, maxsplit=2)) == [[5], [4], [3, 2, 1]]


def test_split_when_all_items_kept():
    data = [3, 1, 4, 1, 5, 9, 2, 6]
    for k in range(-1, 6):
        pieces = list(split_when(data, lambda a, b: a > b, maxsplit=k))
        assert sum(pieces, []) == data


def test_split_after_and_split_at_maxsplit():
    assert list(split_after(WORDS, is_stop, maxsplit=2)) == [
        ["go", "STOP"],
        ["run", "STOP"],
        ["walk", "STOP", "jump"],
    ]
    assert list(split_at(WORDS, is_stop, maxsplit=2)) == [["go"], ["run"], ["walk", "STOP", "jump"]]
