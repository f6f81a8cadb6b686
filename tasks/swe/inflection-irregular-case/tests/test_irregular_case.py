import pytest

import inflection


@pytest.mark.parametrize(
    "singular, plural",
    [("Person", "People"), ("Man", "Men"), ("Child", "Children"), ("Sex", "Sexes"), ("Move", "Moves"), ("Cow", "Kine")],
)
def test_capitalised_irregulars(singular, plural):
    assert inflection.pluralize(singular) == plural
    assert inflection.singularize(plural) == singular
    assert inflection.pluralize(plural) == plural


@pytest.mark.parametrize("word, plural", [("PERSON", "People"), ("CHILD", "Children"), ("salesPerson", "salesPeople")])
def test_other_cases(word, plural):
    assert inflection.pluralize(word) == plural


def test_singularize_compound():
    assert inflection.singularize("salesPeople") == "salesPerson"


@pytest.mark.parametrize("singular, plural", [("person", "people"), ("child", "children"), ("post", "posts")])
def test_lower_case_unchanged(singular, plural):
    assert inflection.pluralize(singular) == plural
    assert inflection.singularize(plural) == singular
