from cachetools import TTLCache


class Clock:
    def __init__(self):
        self.now = 0

    def __call__(self):
        return self.now


def test_item_gone_exactly_at_expiry():
    clock = Clock()
    cache = TTLCache(maxsize=10, ttl=5, timer=clock)
    cache["a"] = 1
    clock.now = 5
    assert "a" not in cache
    cache.expire()
    assert len(cache) == 0
    assert list(cache.items()) == []


def test_expire_with_explicit_time_removes_due_items():
    clock = Clock()
    cache = TTLCache(maxsize=10, ttl=2, timer=clock)
    cache["a"] = 1
    clock.now = 1
    cache["b"] = 2
    cache.expire(2)
    assert list(cache) == ["b"]
    cache.expire(2)
    assert len(cache) == 1


def test_len_consistent_with_membership():
    clock = Clock()
    cache = TTLCache(maxsize=10, ttl=1, timer=clock)
    for k in range(3):
        cache[k] = k
    clock.now = 1
    cache["new"] = 0
    assert len(cache) == sum(1 for k in [0, 1, 2, "new"] if k in cache) == 1


def test_not_expired_before_ttl():
    clock = Clock()
    cache = TTLCache(maxsize=10, ttl=5, timer=clock)
    cache["a"] = 1
    clock.now = 4
    cache.expire()
    assert cache["a"] == 1
