"""A rate as the statistics pages show it: a share in percent, with what it counts and where the counts link.

办结率, 满意率, 按时答复率...: each is a numerator over a denominator, both named figures, so a page can link
each number to the items it counts. Nothing counted in the denominator shows "—", never 0 % or 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    name: str
    label: str
    numerator: int
    denominator: int
    numerator_figure: str
    denominator_figure: str

    @property
    def rate(self) -> float | None:
        """The share in percent, rounded to one decimal; None when nothing is in the denominator."""
        if not self.denominator:
            return None
        return round(self.numerator * 100 / self.denominator, 1)

    @property
    def display(self) -> str:
        rate = self.rate
        percent = "—" if rate is None else f"{rate:.1f}%"
        return f"{percent}（{self.numerator}/{self.denominator}）"
