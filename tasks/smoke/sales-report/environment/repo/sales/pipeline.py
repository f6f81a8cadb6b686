"""CSV export -> rows -> totals per region -> Markdown report."""


def parse_rows(text):
    raise NotImplementedError


def totals_by_region(rows):
    raise NotImplementedError


def render_report(totals):
    raise NotImplementedError


def report(text):
    return render_report(totals_by_region(parse_rows(text)))
