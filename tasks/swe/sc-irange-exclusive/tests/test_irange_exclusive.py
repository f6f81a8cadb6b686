from sortedcontainers import SortedDict, SortedKeyList, SortedList, SortedSet


def test_exclusive_minimum():
    sl = SortedList([1, 2, 2, 3, 4, 5])
    assert list(sl.irange(2, 4, inclusive=(False, True))) == [3, 4]
    assert list(sl.irange(2, None, inclusive=(False, True))) == [3, 4, 5]


def test_exclusive_both_ends():
    sl = SortedList(range(10))
    assert list(sl.irange(3, 7, inclusive=(False, False))) == [4, 5, 6]
    assert list(sl.irange(3, 7, inclusive=(False, False), reverse=True)) == [6, 5, 4]


def test_exclusive_minimum_large_list():
    sl = SortedList(x // 3 for x in range(9000))
    out = list(sl.irange(1000, 1002, inclusive=(False, True)))
    assert out == [1001] * 3 + [1002] * 3


def test_sortedset_and_sorteddict():
    ss = SortedSet("abcdef")
    assert list(ss.irange("b", "d", inclusive=(False, True))) == ["c", "d"]
    sd = SortedDict.fromkeys(range(6))
    assert list(sd.irange(0, 2, inclusive=(False, True))) == [1, 2]


def test_inclusive_unchanged():
    sl = SortedList([1, 2, 3])
    assert list(sl.irange(1, 3)) == [1, 2, 3]
    assert list(sl.irange(1, 3, inclusive=(True, False))) == [1, 2]


def test_key_list_unchanged():
    skl = SortedKeyList([1, 2, 3, 4], key=lambda v: -v)
    assert list(skl.irange(3, 1, inclusive=(False, True))) == [2, 1]
