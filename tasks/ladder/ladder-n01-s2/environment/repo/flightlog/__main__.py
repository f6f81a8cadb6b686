import json
import sys

from flightlog.pipeline import run

with open(sys.argv[1]) as fh:
    print(json.dumps(run(json.load(fh)), indent=2, sort_keys=True))
