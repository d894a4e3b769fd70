import csv
import sys


def main() -> None:
    reader = csv.DictReader(sys.stdin)
    writer = csv.DictWriter(sys.stdout, fieldnames=reader.fieldnames or [])
    writer.writeheader()
    for row in reader:
        writer.writerow({k: v.strip() for k, v in row.items()})
