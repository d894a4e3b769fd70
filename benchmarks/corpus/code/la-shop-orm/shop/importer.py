from .transformers import PIPELINE


def load(rows):
    for row in rows:
        for step in PIPELINE:
            row = step(row)
        yield row
