from parse import compile, findall, search

TEXT = "id=1; id=22; id=333"


def test_search_endpos_limits_the_match():
    assert search("id={:d};", TEXT, endpos=4) is None
    assert search("id={:d}", TEXT, endpos=4)[0] == 1


def test_search_pos_and_endpos():
    r = search("id={:d}", TEXT, pos=3, endpos=11)
    assert r[0] == 22


def test_parser_search_endpos():
    p = compile("id={:d}")
    assert p.search(TEXT, 13, 17)[0] == 3


def test_findall_pos():
    assert [r[0] for r in findall("id={:d}", TEXT, pos=3)] == [22, 333]


def test_findall_pos_and_endpos():
    assert [r[0] for r in findall("id={:d}", TEXT, pos=3, endpos=12)] == [22]


def test_findall_defaults():
    assert [r[0] for r in findall("id={:d}", TEXT)] == [1, 22, 333]


def test_search_defaults():
    assert search("id={:d}", TEXT)[0] == 1
