import pytest

import inflection


@pytest.mark.parametrize(
    "camel, expected",
    [
        ("HTMLParser", "html_parser"),
        ("XMLHttpRequest", "xml_http_request"),
        ("IOError", "io_error"),
        ("MyHTTPServer", "my_http_server"),
        ("APIKey", "api_key"),
    ],
)
def test_acronym_followed_by_word(camel, expected):
    assert inflection.underscore(camel) == expected


@pytest.mark.parametrize(
    "camel, expected",
    [("HTML", "html"), ("Product", "product"), ("SpecialGuest", "special_guest"), ("Area51Controller", "area51_controller")],
)
def test_other_words_unchanged(camel, expected):
    assert inflection.underscore(camel) == expected


def test_tableize_with_acronym():
    assert inflection.tableize("RSSFeed") == "rss_feeds"
