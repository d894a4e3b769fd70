from pathlib import Path

from jsonstream.parser import iter_objects

FIXTURES = Path(__file__).parent / "fixtures"


def test_sse_chunks():
    chunks = (FIXTURES / "chat_stream.txt").read_text().splitlines(keepends=True)
    objects = list(iter_objects(iter(chunks)))
    assert [o["choices"][0]["delta"]["content"] for o in objects] == ["Hel", "lo"]
    assert objects[0]["model"] == "gpt-4o-mini"
