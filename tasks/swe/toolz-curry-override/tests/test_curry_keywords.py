import functools

from toolz import curry


def f(a, b, c=10):
    return a + b + c


def test_later_keyword_overrides_earlier():
    g = curry(f, c=1)
    h = g(c=100)
    assert h(1, 2) == 103


def test_override_through_partial_application():
    g = curry(f, b=1)
    h = g(b=2)
    assert h(0) == 12
    assert h.keywords == {"b": 2}


def test_curry_of_partial_overrides():
    p = functools.partial(f, c=5)
    assert curry(p, c=7)(1, 1) == 9


def test_curry_of_curry_merges_keywords():
    g = curry(curry(f, b=1), c=2)
    assert g.keywords == {"b": 1, "c": 2}
    assert g(3) == 6


def test_direct_call_override_unchanged():
    g = curry(f, c=1)
    assert g(1, 2, c=3) == 6
