"""JSON Lines adapter for the TimeML scorer: {"id","dct","text"} in, {"id","timexes":[...]} out."""

import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from index.dates import tag


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        doc = json.loads(line)
        found = tag(doc["text"], datetime.date.fromisoformat(doc["dct"]))
        out = [dict(start=t.start, end=t.end, text=t.text, type=t.type, value=t.value) for t in found]
        sys.stdout.write(json.dumps({"id": doc["id"], "timexes": out}) + "\n")


if __name__ == "__main__":
    main()
