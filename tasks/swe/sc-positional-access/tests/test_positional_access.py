import random

import pytest

from sortedcontainers import SortedDict, SortedKeyList, SortedList, SortedSet


def _churn(make, n=5000, removals=700, seed=7):
    rng = random.Random(seed)
    values = rng.sample(range(100000), n)
    container = make(values)
    container[n // 2]  # positional access builds the internal index
    model = sorted(values)
    for v in rng.sample(values, removals):
        container.remove(v)
        model.remove(v)
    return container, model


def test_sortedlist_getitem_after_removals():
    sl, model = _churn(SortedList)
    assert [sl[i] for i in range(0, len(model), 37)] == model[::37]
    assert sl[-1] == model[-1] and sl[len(model) // 2] == model[len(model) // 2]


def test_sortedlist_index_and_bisect_after_removals():
    sl, model = _churn(SortedList)
    for v in model[::53]:
        assert sl.index(v) == model.index(v)
        assert sl.bisect_left(v) == model.index(v)


def test_sortedlist_pop_and_delitem_after_removals():
    sl, model = _churn(SortedList)
    assert sl.pop(len(model) // 3) == model.pop(len(model) // 3)
    del sl[100]
    del model[100]
    assert list(sl) == model and sl[2000] == model[2000]


def test_sortedkeylist_after_removals():
    skl, model = _churn(lambda vs: SortedKeyList(vs, key=lambda v: -v))
    model = model[::-1]
    assert [skl[i] for i in range(0, len(model), 41)] == model[::41]
    for v in model[::97]:
        assert skl.index(v) == model.index(v)


def test_sortedset_after_discards():
    ss, model = _churn(SortedSet)
    assert [ss[i] for i in range(0, len(model), 29)] == model[::29]
    assert ss.index(model[3000]) == 3000


def test_sorteddict_peekitem_after_deletes():
    rng = random.Random(3)
    keys = rng.sample(range(50000), 4000)
    sd = SortedDict((k, str(k)) for k in keys)
    sd.peekitem(2000)
    model = sorted(keys)
    for k in rng.sample(keys, 500):
        del sd[k]
        model.remove(k)
    assert sd.peekitem(-1) == (model[-1], str(model[-1]))
    assert sd.peekitem(2500) == (model[2500], str(model[2500]))
    assert sd.keys()[1800] == model[1800]


@pytest.mark.parametrize("sl", [slice(None, None, -1), slice(None, None, 2), slice(5, 1, -2), slice(-3, None)])
def test_sorteddict_items_slices(sl):
    sd = SortedDict(zip("abcdefgh", range(8)))
    assert sd.items()[sl] == list(sd.items())[sl]
    assert sd.keys()[sl] == list(sd.keys())[sl]
    assert sd.values()[sl] == list(sd.values())[sl]


def test_small_lists_unaffected():
    sl = SortedList([5, 1, 3])
    sl.remove(3)
    assert sl[1] == 5 and sl.index(5) == 1
