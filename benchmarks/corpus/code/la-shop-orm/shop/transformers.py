"""Row transformers for the CSV import: not the ML kind."""


def to_cents(row: dict) -> dict:
    row["price"] = int(float(row["price"]) * 100)
    return row


PIPELINE = [to_cents]
