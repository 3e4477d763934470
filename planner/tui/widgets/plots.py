"""Terminal plots (textual-plotext). Each widget owns its plot: replot() clears, plots, refreshes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from textual.app import RenderResult
from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from planner.projection.spend import Forecast


class CachedPlot(PlotextPlot):
    """A plot rendered once per (data, size, theme): plotext rebuilds the whole figure on every
    render, and Textual re-renders a screen's widgets on each switch back to it."""

    plot_version = 0
    rendered_for: tuple[object, ...] | None = None
    rendered: RenderResult = ""

    def replotted(self) -> None:
        self.plot_version += 1
        self.refresh()

    def render(self) -> RenderResult:
        key = (self.plot_version, self.size.width, self.size.height, self.app.theme, self.theme)
        if self.rendered_for != key:
            self.rendered_for, self.rendered = key, super().render()
        return self.rendered


class SpendPlot(CachedPlot):
    """Daily spend this month (imported log × catalog) and the straight-line projection (estimate)."""

    def replot(self, month: list[tuple[date, Decimal]], forecast: Forecast | None, days_in_month: int) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("daily spend, USD (imported log × catalog) and projection (estimate)")
        if month:
            xs = [d.day for d, _ in month]
            plt.bar(xs, [float(v) for _, v in month], label="daily spend")
            if forecast is not None and forecast.days_left:
                last = xs[-1]
                rate = float(forecast.run_rate)
                plt.plot(
                    [last + i for i in range(1, forecast.days_left + 1)],
                    [rate] * forecast.days_left,
                    label="run rate (estimate)",
                    marker="braille",
                )
            plt.xlim(0.5, days_in_month + 0.5)
            ticks: list[float] = [1, 5, 10, 15, 20, 25, days_in_month]  # fixed: plotext's own depend on timing
            plt.xticks(ticks, [str(int(t)) for t in ticks])
        self.replotted()


class HistoryPlot(CachedPlot):
    """Remaining capacity over time from saved probe snapshots (live header)."""

    def replot(self, series: dict[str, list[tuple[float, float]]], title: str) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        for label, points in series.items():
            if points:
                plt.plot([x for x, _ in points], [y for _, y in points], label=label, marker="braille")
        self.replotted()
