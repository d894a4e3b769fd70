from etl.tokenizer import tokenize


def pipeline(steps):
    def run(rows):
        for step in steps:
            rows = step(rows)
        return rows
    return run


model = {"name": "orders", "embedding": "inline", "completion": 0.98}
