from sales import pipeline


def test_module_has_stages():
    assert callable(pipeline.parse_rows)
    assert callable(pipeline.report)
