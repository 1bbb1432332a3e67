"""Dated events: a strike, reinforcements arriving, a zone declared or lifted, a relation or doctrine changed.

Each handler changes the model's state through its public methods and returns a log row; the model
applies every event whose time has come at the start of a step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.scenario.schema import Event

if TYPE_CHECKING:
    from sim.model import ConflictModel


def apply_event(model: ConflictModel, ev: Event) -> dict[str, Any]:
    """Carry out one event; return its row for the event log."""
    row: dict[str, Any] = {"kind": ev.kind, "description": ev.description}
    if ev.kind == "strike":
        actor = model.factions.index[ev.actor]
        hostile = model.factions.hostile[actor]
        units = [u for u in model.unit_list() if hostile[u.faction]
                 and model.distance_km(u.cell, model.world.cell_index(*ev.at)) <= ev.radius_km]
        total = sum(u.strength for u in units)
        hit = []
        for u in units:
            loss = min(u.strength, ev.damage * u.strength / total)
            u.strength -= loss
            hit.append(f"{u.name} -{loss:.0f}")
            model.learn_zones(u)
        row.update(faction=ev.actor, place=ev.at_name or model.nearest_place(ev.at), strength_lost=min(total, ev.damage),
                   detail="; ".join(hit) or "no unit in reach")
    elif ev.kind == "reinforce":
        name = ev.unit_name or f"{ev.faction} reinforcement {ev.date:%Y-%m-%d}"
        model.add_unit(name=name, faction=ev.faction, cell=model.world.cell_index(*ev.at), strength=ev.strength,
                       mobility=ev.mobility, posture=ev.posture, fire=ev.fire)
        row.update(faction=ev.faction, place=ev.at_name or model.nearest_place(ev.at),
                   detail=f"{name}: {ev.strength:.0f}")
    elif ev.kind == "zone":
        model.zone_active[ev.zone] = ev.active
        row.update(place=ev.zone, detail="declared" if ev.active else "lifted")
    elif ev.kind == "relation":
        model.factions.set_relation(ev.a, ev.b, ev.relation)
        row.update(faction=ev.a, detail=f"{ev.a} and {ev.b} now {ev.relation}")
    elif ev.kind == "doctrine":
        model.factions.doctrine[model.factions.index[ev.faction]][ev.key] = float(ev.value)
        if ev.key == "zone_respect":
            fi = model.factions.index[ev.faction]
            model.zone_belief[fi] = float(ev.value)
        row.update(faction=ev.faction, detail=f"{ev.key} = {ev.value:g}")
    return row
