"""Positions per year, laid out as the bars of an SVG chart (counted by the facet engine)."""

from dataclasses import dataclass, field

TICK_SPACING = 12  # % of the chart's width between year labels: room for them on a phone


@dataclass
class Bar:
    year: int
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass
class Timeline:
    years: list
    undated: int
    total: int
    peak: int
    width: int = 640
    height: int = 100
    bars: list = field(default_factory=list)

    @property
    def first(self):
        return self.years[0][0] if self.years else None

    @property
    def last(self):
        return self.years[-1][0] if self.years else None

    @property
    def ticks(self):
        """A handful of year labels along the axis, as (year, % from the left): the first and
        the last year and round years between, never closer than TICK_SPACING %."""
        if not self.bars:
            return []
        span = self.last - self.first
        step = next((s for s in (1, 2, 5, 10, 20, 25, 50) if span / s <= 6), 100)
        labelled = [b for b in self.bars if b.year % step == 0 or b.year in (self.first, self.last)]
        ticks = []
        for bar in labelled:
            centre = round((bar.x + bar.width / 2) * 100 / self.width, 2)
            if ticks and centre - ticks[-1][1] < TICK_SPACING:
                if bar.year != self.last:
                    continue
                if len(ticks) > 1:
                    ticks.pop()  # the last year's label wins over the round year before it
            ticks.append((bar.year, centre))
        return ticks


def layout_timeline(per_year, undated):
    """The chart's bars: every year from the first to the last, empty ones as zero."""
    years = []
    if per_year:
        first, last = min(per_year), max(per_year)
        years = [(y, per_year.get(y, 0)) for y in range(first, last + 1)]
    peak = max((n for _, n in years), default=0)
    chart = Timeline(years, undated, sum(per_year.values()) + undated, peak)
    if years:
        slot = min(chart.width / len(years), 48)
        gap = min(4.0, slot * 0.2)
        left = (chart.width - slot * len(years)) / 2
        plot = chart.height
        for index, (year, n) in enumerate(years):
            height = round(plot * n / peak, 1) if peak else 0
            if n and height < 2:
                height = 2
            chart.bars.append(
                Bar(
                    year,
                    n,
                    round(left + index * slot + gap / 2, 2),
                    round(plot - height, 1),
                    round(slot - gap, 2),
                    height,
                )
            )
    return chart
