from cachetools import LFUCache
from cachetools.func import lfu_cache


def test_reads_protect_from_eviction():
    cache = LFUCache(maxsize=2)
    cache["hot"] = 1
    cache["cold"] = 2
    for _ in range(5):
        assert cache["hot"] == 1
    cache["new"] = 3
    assert "hot" in cache
    assert "cold" not in cache


def test_least_read_is_evicted():
    cache = LFUCache(maxsize=3)
    for k in "abc":
        cache[k] = k
    cache["a"], cache["b"]
    cache["a"], cache["c"]
    cache["a"]
    cache["d"] = "d"
    assert "a" in cache and "d" in cache and len(cache) == 3


def test_get_counts_as_use():
    cache = LFUCache(maxsize=2)
    cache["x"] = 1
    cache["y"] = 2
    cache.get("y")
    cache.get("y")
    cache["z"] = 3
    assert "y" in cache and "x" not in cache


def test_lfu_cache_decorator_keeps_hot_key():
    calls = []

    @lfu_cache(maxsize=2)
    def f(n):
        calls.append(n)
        return n

    f(1)
    for _ in range(3):
        f(2)
    f(3)
    f(2)
    assert calls == [1, 2, 3]


def test_popitem_order():
    cache = LFUCache(maxsize=3)
    cache["a"] = 1
    cache["b"] = 2
    cache["b"]
    assert cache.popitem() == ("a", 1)
