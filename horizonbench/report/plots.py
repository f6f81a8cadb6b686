"""The report's plots, as PNG bytes: success versus task length, task x model heatmap,
cost versus pass rate, and the milestone survival curve.

matplotlib runs on its Agg backend (no display needed) and is imported only when a plot is
drawn, so loading results never pays for it.
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from horizonbench.report.analysis import GROUP, Analysis
from horizonbench.scoring import HorizonFit

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 100
MAX_HEATMAP_TASKS = 120
"""Tasks shown by name in the heatmap; beyond that the rows are drawn without labels."""


def all_plots(analysis: Analysis) -> dict[str, tuple[str, bytes]]:
    """Plot id -> (title, PNG bytes), in the order a report shows them."""
    return {
        "success-vs-length": ("Success vs task length", success_vs_length(analysis)),
        "task-heatmap": ("Task x model", task_heatmap(analysis)),
        "cost-vs-pass": ("Cost vs pass rate", cost_vs_pass(analysis)),
        "milestone-survival": ("Milestone survival", milestone_survival(analysis)),
    }


def success_vs_length(analysis: Analysis) -> bytes:
    """Per-task success against expert minutes (log scale), with each group's fitted curve and interval band."""
    fig, ax = _figure(8.0, 4.8)
    df = analysis.frame
    ok = df.loc[(df["status"] != "error") & (df["expert_minutes"] > 0)]
    if ok.empty:
        return _empty(fig, ax, "no task lengths (expert_minutes) in these results")
    colours = _colours(len(analysis.groups))
    pct = round(analysis.confidence * 100)
    for i, group in enumerate(analysis.groups):
        part = ok.loc[ok[GROUP] == group.label]
        if part.empty:
            continue
        per_task = part.groupby(["suite", "task"]).agg(
            minutes=("expert_minutes", "first"), rate=("status", lambda s: float((s == "passed").mean()))
        )
        # A small vertical offset per group keeps points of equal rate from hiding each other.
        offset = (i - (len(analysis.groups) - 1) / 2) * 0.012
        ax.scatter(per_task["minutes"], per_task["rate"] + offset, s=18, color=colours[i], alpha=0.6, zorder=3)
        fit = group.horizon
        if fit is None:
            ax.plot([], [], color=colours[i], label=f"{group.label} (no fit)")
            continue
        grid = np.geomspace(fit.min_length / 1.5, fit.max_length * 1.5, 200)
        if math.isfinite(fit.intercept):
            curve = np.array([fit.success_probability(m) for m in grid])
        else:
            curve = np.full(grid.shape, 1.0 if fit.intercept > 0 else 0.0)
        low, high = fit.success_band(grid)
        ax.fill_between(grid, low, high, color=colours[i], alpha=0.15, linewidth=0)
        ax.plot(grid, curve, color=colours[i], linewidth=2, label=f"{group.label}: 50% horizon {_minutes(fit)}")
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xscale("log", base=2)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("task length (expert minutes, log scale)")
    ax.set_ylabel("success rate")
    ax.set_title(f"Success vs task length: fitted logistic curve, {pct}% bootstrap band; dots are tasks")
    ax.legend(loc="best", fontsize=8)
    return _png(fig)


def task_heatmap(analysis: Analysis) -> bytes:
    """Share of attempts passed, task by group; tasks whose every attempt errored are grey."""
    rates = analysis.task_rates
    n_tasks, n_groups = rates.shape
    height = min(30.0, max(2.5, 0.22 * min(n_tasks, MAX_HEATMAP_TASKS) + 1.6))
    fig, ax = _figure(max(5.0, 1.4 * n_groups + 3.5), height)
    if n_tasks == 0:
        return _empty(fig, ax, "no tasks")
    import matplotlib as mpl

    cmap = mpl.colormaps["RdYlGn"].with_extremes(bad="#bbbbbb")
    values = np.ma.masked_invalid(rates.to_numpy(dtype=float))
    image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_xticks(range(n_groups), [str(c) for c in rates.columns], rotation=20, ha="right", fontsize=8)
    if n_tasks <= MAX_HEATMAP_TASKS:
        ax.set_yticks(range(n_tasks), [str(t) for t in rates.index], fontsize=7)
    else:
        ax.set_yticks([])
        ax.set_ylabel(f"{n_tasks} tasks")
    fig.colorbar(image, ax=ax, label="share passed (grey: errors only)", fraction=0.05)
    ax.set_title("Task x model")
    return _png(fig)


def cost_vs_pass(analysis: Analysis) -> bytes:
    """Mean cost per trial against pass@1 with its interval, one point per group."""
    fig, ax = _figure(7.0, 4.5)
    colours = _colours(len(analysis.groups))
    for i, group in enumerate(analysis.groups):
        cost, rate = group.cost.cost_per_trial, group.rate
        if math.isnan(cost) or math.isnan(rate.estimate):
            continue
        yerr = [[rate.estimate - rate.low], [rate.high - rate.estimate]]
        ax.errorbar([cost], [rate.estimate], yerr=yerr, fmt="o", color=colours[i], capsize=4, label=group.label)
        ax.annotate(group.label, (cost, rate.estimate), textcoords="offset points", xytext=(6, 6), fontsize=8)
    ax.set_xlabel("mean cost per trial (USD)")
    ax.set_ylabel("pass@1")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
    ax.set_title(f"Cost vs pass rate ({round(analysis.confidence * 100)}% interval)")
    if analysis.groups:
        ax.legend(loc="best", fontsize=8)
    return _png(fig)


def milestone_survival(analysis: Analysis) -> bytes:
    """Share of attempts (of tasks with at least that many milestones) reaching each milestone."""
    fig, ax = _figure(7.0, 4.5)
    colours = _colours(len(analysis.groups))
    drawn = False
    for i, group in enumerate(analysis.groups):
        curve = group.survival
        if curve.empty:
            continue
        steps = np.r_[0, curve["milestone"].to_numpy(dtype=int) + 1]
        share = np.r_[1.0, curve["share_of_eligible"].to_numpy(dtype=float)]
        ax.step(steps, share, where="post", color=colours[i], linewidth=2, marker="o", label=group.label)
        drawn = True
    if not drawn:
        return _empty(fig, ax, "no milestones in these tasks")
    ax.set_xlabel("milestones reached (in order)")
    ax.set_ylabel("share of attempts")
    ax.set_ylim(-0.05, 1.05)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Milestone survival: how far attempts get")
    ax.legend(loc="best", fontsize=8)
    return _png(fig)


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    # A Figure without pyplot keeps no global state, so reports can be drawn from threads.
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig, fig.add_subplot()


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _empty(fig: Figure, ax: Axes, message: str) -> bytes:
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#555555", transform=ax.transAxes)
    return _png(fig)


def _colours(n: int) -> list[Any]:
    import matplotlib as mpl

    cmap = mpl.colormaps["tab10"]
    return [cmap(i % 10) for i in range(max(n, 1))]


def _minutes(fit: HorizonFit) -> str:
    value = fit.h50
    if value is None:
        return "undefined"
    if math.isinf(value):
        return f"beyond the longest task ({fit.max_length:.3g} min)"
    if value == 0.0:
        return f"below the shortest task ({fit.min_length:.3g} min)"
    return f"{value:.3g} min"
