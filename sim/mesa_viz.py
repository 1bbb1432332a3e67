"""A Mesa visualisation page (SolaraViz) for Badia: the control map and the held-ground curves, step by step.

For Mesa users who want the model in Mesa's own tools. It needs the optional extra `badia[mesa-viz]` (Mesa's
`viz` extra: solara, matplotlib, altair). Run it in a browser with

    solara run sim.mesa_viz                      # the default scenario
    BADIA_SCENARIO=corridor solara run sim.mesa_viz

or show it in Jupyter with `sim.mesa_viz.make_page("corridor")` as the cell's last line. The page's Reset,
Step and Play buttons are Mesa's; its sliders re-create the model with another seed or run window. The curves
panel is Mesa's own `make_plot_component` over the model's DataCollector reporters (`<faction>_gained_km2`,
collected every step); the map is Badia's map builder (sim.viz.mapfig) over the model's ground at this step.
"""

from __future__ import annotations

import os
from typing import Any

try:
    import solara
    from mesa.visualization import SolaraViz, make_plot_component
    from mesa.visualization.utils import update_counter
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    from sim.errors import missing_extra

    raise missing_extra("mesa-viz", "the Mesa visualisation page (sim.mesa_viz)", exc) from None

from sim.model import ConflictModel
from sim.viz.live import live_map_figure


@solara.component  # decorated, not wrapped: Solara's hook check reads the source and needs the decorator line
def ControlMap(model: ConflictModel) -> None:  # noqa: N802 - a component's name, as Solara writes them
    """Solara component: the control map of the model's current day, redrawn after every step."""
    update_counter.get()  # re-render when Mesa's controller steps the model
    fig = live_map_figure(model, height=600)
    # a Mesa panel is narrow: the legend goes under the map, where it does not cover the title
    fig.update_layout(legend={"orientation": "h", "y": -0.12, "yanchor": "top"}, margin={"t": 50, "b": 110})
    solara.FigurePlotly(fig)


def _label_curves(ax: Any) -> None:
    """Axis labels for Mesa's curve panel (matplotlib)."""
    ax.set_title("Ground gained since the start (km², held ground)")
    ax.set_xlabel("step (6 hours each)")
    ax.set_ylabel("km²")
    ax.axhline(0, color="#999", linewidth=0.8)


def model_params(model: ConflictModel) -> dict[str, Any]:
    """The page's inputs: the scenario (fixed), the seed and the run's window in days."""
    return {
        "spec": model.spec,
        "seed": {"type": "SliderInt", "value": int(model.seed if model.seed is not None else 1), "min": 1,
                 "max": 10_000, "step": 1, "label": "seed"},
        "days": {"type": "SliderInt", "value": model.days, "min": 1, "max": max(60, model.days), "step": 1,
                 "label": "days to run"},
    }


def make_page(spec: str | None = None, seed: int | None = None) -> Any:
    """A SolaraViz page for one scenario (a shipped name or a file; default: $BADIA_SCENARIO or badia_2017)."""
    model = ConflictModel(spec or os.environ.get("BADIA_SCENARIO") or None, seed=seed)
    gains = {f"{fid}_gained_km2": model.factions.colours[fid] for fid in model.factions.ids}
    curves = make_plot_component(gains, post_process=_label_curves)
    return SolaraViz(model, components=[ControlMap, curves], model_params=model_params(model),
                     name=f"Badia: {model.spec.meta.name}", play_interval=150)


page = make_page()
