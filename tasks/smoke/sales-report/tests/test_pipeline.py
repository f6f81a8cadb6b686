from sales.pipeline import parse_rows, render_report, report, totals_by_region

CSV = """date,region,amount
2024-01-02, north ,100.5
2024-01-03,south,20

2024-01-04,north,1134
2024-01-05,east,7.25
"""


def test_parse_rows():
    rows = parse_rows(CSV)
    assert rows == [
        {"date": "2024-01-02", "region": "north", "amount": 100.5},
        {"date": "2024-01-03", "region": "south", "amount": 20.0},
        {"date": "2024-01-04", "region": "north", "amount": 1134.0},
        {"date": "2024-01-05", "region": "east", "amount": 7.25},
    ]


def test_totals_by_region():
    assert totals_by_region(parse_rows(CSV)) == {"north": 1234.5, "south": 20.0, "east": 7.25}


def test_render_report():
    expected = "| region | total |\n|---|---|\n| north | 1234.50 |\n| south | 20.00 |\n| east | 7.25 |"
    assert render_report({"south": 20.0, "north": 1234.5, "east": 7.25}).strip() == expected
    assert report(CSV).strip() == expected
