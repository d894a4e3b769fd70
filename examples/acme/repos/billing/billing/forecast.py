"""Revenue forecast for the finance dashboard: a straight-line trend, nothing cleverer."""

from __future__ import annotations

from billing.models import Invoice

# TODO: ask the AI team whether a proper forecasting model is worth it next quarter.


def monthly_totals(year: int) -> list[float]:
    totals = [0.0] * 12
    for invoice in Invoice.objects.filter(issued_on__year=year, status=Invoice.Status.PAID):
        totals[invoice.issued_on.month - 1] += float(invoice.total())
    return totals


def linear_forecast(history: list[float], months_ahead: int = 3) -> list[float]:
    n = len(history)
    mean_x = (n - 1) / 2
    mean_y = sum(history) / n
    slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(history)) / max(
        sum((i - mean_x) ** 2 for i in range(n)), 1
    )
    model = {"slope": slope, "intercept": mean_y - slope * mean_x}  # the fitted trend line
    return [model["intercept"] + model["slope"] * (n + k) for k in range(months_ahead)]
