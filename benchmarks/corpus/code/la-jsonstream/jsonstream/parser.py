import json
from collections.abc import Iterator


def iter_objects(chunks: Iterator[str]) -> Iterator[dict]:
    buffer = ""
    for chunk in chunks:
        buffer += chunk
        while "\n" in buffer:
            line, buffer = buffer.split("\n", 1)
            if line.startswith("data: ") and line != "data: [DONE]":
                yield json.loads(line[6:])
