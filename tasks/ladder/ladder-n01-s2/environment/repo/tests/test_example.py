import json
from pathlib import Path

from flightlog.pipeline import run

EXAMPLES = Path(__file__).resolve().parents[1] / 'examples'


def test_example_end_to_end():
    records = json.loads((EXAMPLES / 'input.json').read_text())
    assert run(records) == json.loads((EXAMPLES / 'expected.json').read_text())
