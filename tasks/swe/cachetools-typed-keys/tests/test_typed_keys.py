import pytest

from cachetools import LRUCache, cached, keys
from cachetools.func import fifo_cache, lfu_cache, lru_cache, mru_cache, rr_cache, ttl_cache


def test_typedkey_distinguishes_keyword_types():
    assert keys.typedkey(x=1) != keys.typedkey(x=1.0)
    assert keys.typedkey(1, x=True) != keys.typedkey(1, x=1)


def test_typedkey_positional_types():
    assert keys.typedkey(1) != keys.typedkey(1.0)
    assert keys.typedkey(1, 2) == keys.typedkey(1, 2)


def test_cached_with_typedkey_and_keywords():
    calls = []

    @cached(LRUCache(10), key=keys.typedkey)
    def f(*, n):
        calls.append(type(n))
        return n

    f(n=1)
    f(n=1.0)
    f(n=1)
    assert calls == [int, float]


@pytest.mark.parametrize("decorator", [fifo_cache, lfu_cache, lru_cache, mru_cache, rr_cache, ttl_cache])
def test_func_decorators_typed(decorator):
    calls = []

    @decorator(maxsize=4, typed=True)
    def f(n):
        calls.append(n)
        return n

    assert f(1) == 1 and type(f(1.0)) is float
    f(1)
    assert calls == [1, 1.0]
    assert f.cache_info().misses == 2 and f.cache_info().currsize == 2
    assert f.cache_parameters()["typed"] is True


@pytest.mark.parametrize("decorator", [lru_cache, ttl_cache])
def test_func_decorators_untyped(decorator):
    @decorator(maxsize=4)
    def f(n):
        return n

    f(1)
    f(1.0)
    assert f.cache_info().misses == 1
