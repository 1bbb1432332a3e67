"""The conflict model: a Mesa model whose cells are numpy layers and whose agents are units.

One step (default 6 hours): dated events, daily refresh of supply fields and of every attacking unit's route
(units under orders go for their current objective, the others choose), movement, air power, Lanchester
combat, supply attrition, then control of cells by zones of control and presence. At the end of each day
ground cut off from its holder's sources (behind the enemy's front links) falls after `pocket_days`
(sim.rules.enclosure). Mesa's DataCollector records each faction's held ground and gain at every step (model
reporters), the daily curve rows (held ground, by localities, the front line's length: table `curves`) and the
event log (table `events`); a snapshot of the owner grid is kept for each day.

Cells are deliberately not Mesa cells or agents: a one-agent-per-cell grid is hundreds of times slower
for the same spread step (see docs/performance.md); every grid-wide rule works on whole arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.catalog import resolve
from sim.factions import Factions
from sim.limits import check_days
from sim.rules import airpower, barriers, combat, control, enclosure, front, movement, orders, supply
from sim.rules.events import apply_event
from sim.scenario.loader import load_scenario
from sim.scenario.schema import TERRAIN_CLASSES, Objective, Order, Scenario
from sim.units import Unit
from sim.world.localities import area_by_locality_owner
from sim.world.raster import polyline_cells_4
from sim.world.world import World, build_world, shape_mask

RESUME_MARGIN = 0.15
CURVE_COLUMNS = ["date", "day", "faction", "area_km2", "gained_km2", "locality_km2", "locality_gained_km2", "front_km",
                 "strength", "units", "places_held"]
EVENT_COLUMNS = ["time", "kind", "faction", "place", "strength_lost", "detail", "description"]  # a retreating unit turns back once this much above its retreat threshold


class ConflictModel(mesa.Model):
    """A scenario in motion, as a Mesa model: build it with a scenario and a seed, then `step()`, `run_days()`
    or Mesa's `run_model()`; it follows `mesa.Model` (`rng`, `steps`, `running`, a `DataCollector`)."""

    def __init__(self, spec: Scenario | str | Path | None = None, *, seed: int | None = None,
                 rng: int | np.integer | np.random.Generator | np.random.SeedSequence | None = None,
                 days: int | None = None, cell_km: float | None = None, world: World | None = None) -> None:
        """Build the model at the scenario's start.

        `spec` is a loaded `Scenario`, a shipped scenario's name, a scenario file, or None for the default
        scenario; a name or file is loaded here so that Mesa's `batch_run` and SolaraViz can pass plain values.
        (The frozen scenario is `model.spec`: Mesa 3.5 keeps its own experiment object in `model.scenario`.)
        `seed` or `rng` (not both, as in `mesa.Model`) seeds the one generator every rule draws from,
        `model.rng`; with neither, the scenario's own seed is used. `days` sets the run's window (default:
        the scenario's): `running` turns false once it has been simulated, so `run_model()` runs it.
        `days` is a whole number from 1 to sim.limits.MAX_DAYS (UsageError otherwise).
        `world` may be passed to reuse one built from the same map (see sim.world.world.world_key); the
        model never changes its layers, but its search buffers make it unsafe to share between threads.
        """
        scenario = spec if isinstance(spec, Scenario) else load_scenario(resolve(None if spec is None else str(spec)))
        if seed is not None and rng is not None:
            raise TypeError("ConflictModel takes seed or rng, not both (as mesa.Model does)")
        if rng is None or isinstance(rng, int | np.integer):
            seed = scenario.meta.seed if seed is None and rng is None else int(seed if rng is None else rng)
            super().__init__(rng=seed)
        else:  # a Generator or SeedSequence: the run is seeded by it, and has no integer seed to record
            seed = None
            super().__init__(rng=rng)
        self.seed: int | None = seed
        self.spec = scenario
        self.days = check_days(scenario.meta.days if days is None else days, "ConflictModel")
        self.world: World = world if world is not None else build_world(scenario, cell_km)
        self.factions = Factions(scenario)
        reporters: dict[str, Any] = {}
        for fi, fid in enumerate(self.factions.ids):
            reporters[f"{fid}_area_km2"] = partial(_area_reporter, fi=fi)
            reporters[f"{fid}_gained_km2"] = partial(_gain_reporter, fi=fi)
        # Every step: each faction's held ground and gain (numeric columns, one row per step, for batch_run and
        # Mesa's plots); each day: the full curve rows; and the event log, as tables.
        self.datacollector = mesa.DataCollector(model_reporters=reporters,
                                                tables={"curves": CURVE_COLUMNS, "events": EVENT_COLUMNS})
        self.now: datetime = scenario.meta.start
        self.step_hours = scenario.meta.step_hours
        self.steps_per_day = 24 // self.step_hours
        gx, gy = self.world.grid.centres()
        self._cx, self._cy = gx.ravel(), gy.ravel()
        cell = self.world.grid.cell_km
        shape = self.world.shape
        self._zoc = control.Disks(shape, scenario.control.zoc_km / cell)
        self._presence = control.Disks(shape, scenario.control.presence_km / cell)
        self._reach = control.Disks(shape, scenario.combat.range_km / cell)
        self._footprint = self.world.footprint >= 0
        self._terrain_defence = np.array([scenario.combat.terrain_defence.get(t, 1.0) for t in TERRAIN_CLASSES])
        self._place_index = {p.name: i for i, p in enumerate(scenario.places)}
        # value[f, p]: what place p is worth to faction f; negative: f keeps away from it (a political limit)
        self._values = np.array([[p.value_to(fid) for p in scenario.places] for fid in scenario.faction_ids],
                                dtype=float).reshape(len(scenario.factions), len(scenario.places))
        self._forbidden, self._avoid = self._avoided_places()
        self._order_index = {o.name: i for i, o in enumerate(scenario.orders)}
        self._objective_cells = {(i, k): self._objective_targets(obj)
                                 for i, o in enumerate(scenario.orders) for k, obj in enumerate(o.objectives)}

        start_key = control.initial_owner_key(scenario, self.factions.index)
        cache = self.world.search_cache
        if start_key not in cache:
            cache[start_key] = control.initial_owner(scenario, self.world, self.factions.index)
        self.owner = cache[start_key].copy()
        self.start_owner = self.owner.copy()
        self.cut_days = np.zeros(shape, dtype=np.int16)  # days each cell has been cut off from its holder's sources
        self._source_cells = [np.array([self.world.place_cells[self._place_index[n]] for n in f.supply_sources],
                                       dtype=np.int64) for f in scenario.factions]
        self._has_sources = np.array([len(f.supply_sources) > 0 for f in scenario.factions])
        self.zone_active = {z.name: z.active for z in scenario.zones}
        self.zone_names = [z.name for z in scenario.zones]
        self.zone_belief = np.array([[d["zone_respect"]] * len(self.zone_names) for d in self.factions.doctrine],
                                    dtype=float).reshape(len(self.factions), len(self.zone_names))
        self.air = [airpower.AirState(r) for r in scenario.air_power]
        self._air_centres = [None if r.center is None else self.world.cell_index(*r.center) for r in scenario.air_power]
        self._pending = list(scenario.events)
        self.snapshots: list[np.ndarray] = []
        self.snapshot_dates: list[datetime] = []
        self.snapshot_hostile: list[np.ndarray] = []  # relations on each recorded day (for drawing fronts)
        self.snapshot_units: list[list[tuple[str, int, int, float]]] = []  # (name, faction, cell, strength) each day
        for spec in scenario.units:
            self.add_unit(name=spec.name, faction=spec.faction, cell=self.world.cell_index(spec.lon, spec.lat),
                          strength=spec.strength, mobility=spec.mobility, posture=spec.posture, fire=spec.fire,
                          firepower=spec.firepower, speed=spec.speed)
        self.influence = self._spread(self._zoc)
        self._presence_now: np.ndarray | None = None  # (F, H, W) presence at this step's control
        # this step's influence and presence are written into buffers reset where they were last written
        size = self.world.grid.height * self.world.grid.width
        self._influence = control.SparseLayers(len(self.factions), size, np.float32)
        self._presence_layers = control.SparseLayers(len(self.factions), size, bool)
        self._supply: dict[int, supply.SupplyNetwork] = {}
        self._faction_masks: dict[tuple[str, ...], np.ndarray] = {}
        self._supply_ground: dict[int, np.ndarray] = {}  # faction -> the ground of today's network
        self._supply_change: dict[int, supply.GroundChange] = {}  # faction -> today's ground against its last network
        # faction -> its last supply network (it knows its ground): judges supply without a search when it can
        self._last_network: dict[int, supply.SupplyNetwork] = {}
        self._supply_areas: dict[int, supply.SupplyArea] = {}
        self._area_start = self._area_now = self.area_km2()
        self._locality_start = self.locality_km2()
        self._collect(daily=True)

    # ----------------------------------------------------------------- units
    def add_unit(self, name: str, faction: str, cell: int, strength: float, mobility: str = "motorised",
                 posture: str = "attack", fire: str = "aimed", firepower: float = 1.0, speed: float = 1.0) -> Unit:
        """Place a new unit; its strength and speed are scaled by its faction's `strength_scale`, `speed_scale`."""
        fi = self.factions.index[faction]
        doc = self.factions.doctrine[fi]
        unit = Unit(self, name, fi, int(cell), strength * doc["strength_scale"], mobility, posture, fire, firepower,
                    speed * doc["speed_scale"])
        order = self._order_for(name, faction)
        if order is not None and posture == "attack":
            unit.orders = orders.OrderState(order)
        return unit

    def _order_for(self, unit_name: str, faction: str) -> Order | None:
        """The order naming a unit, else its faction's faction-wide order, else None."""
        wide = None
        for o in self.spec.orders:
            if unit_name in o.units:
                return o
            if not o.units and o.faction == faction:
                wide = o
        return wide

    def _avoided_places(self) -> tuple[np.ndarray | None, list[np.ndarray | None]]:
        """Cells each faction may not take (footprints of places it avoids), and where it will not go.

        Returns (forbidden, avoid): forbidden is (F, H*W) bool or None when no faction avoids anything;
        avoid[f] is an (H, W) mask of the avoided footprints widened by `presence_km` (or None).
        """
        w, n = self.world, len(self.factions)
        if not (self._values < 0).any():
            return None, [None] * n
        forbidden = np.zeros((n, w.footprint.size), dtype=bool)
        avoid: list[np.ndarray | None] = [None] * n
        for fi in range(n):
            places = np.flatnonzero(self._values[fi] < 0)
            if not len(places):
                continue
            foot = np.isin(w.footprint, places)
            foot.flat[w.place_cells[places]] = True
            forbidden[fi] = foot.ravel()
            near = foot.ravel().copy()
            near[self._presence.cells(w.place_cells[places].tolist())] = True
            avoid[fi] = near.reshape(w.shape)
        return forbidden, avoid

    def _objective_targets(self, obj: Objective) -> np.ndarray:
        """Flat cells an objective is about: its place's cell, its point, its line, or its area."""
        w = self.world
        if obj.kind == "place":
            return np.array([w.place_cells[self._place_index[obj.place]]], dtype=np.int64)
        if obj.kind == "point":
            return np.array([w.cell_index(*obj.point)], dtype=np.int64)
        if obj.kind == "line":
            return polyline_cells_4(w.grid, obj.line)
        cells = np.flatnonzero(shape_mask(w.grid, obj.area) & w.region)
        return cells if len(cells) else np.array([w.cell_index(*(obj.area.center or obj.area.polygon[0]))])

    def unit_list(self) -> list[Unit]:
        """Living units in creation order (the order every rule visits them, for determinism).

        Kept between calls and dropped whenever Mesa registers or deregisters an agent: sorting the AgentSet
        (a weak-keyed dict) each time cost ~3% of a Badia run, at ten calls a step.
        """
        units = self.__dict__.get("_units")
        if units is None:
            units = self._units = sorted(self.agents_by_type.get(Unit, []), key=lambda u: u.unique_id)
        return list(units)

    def register_agent(self, agent: mesa.Agent) -> None:
        """Mesa's hook when an agent is created: the list of units changes."""
        super().register_agent(agent)
        self._units = None

    def deregister_agent(self, agent: mesa.Agent) -> None:
        """Mesa's hook when an agent is removed: the list of units changes."""
        super().deregister_agent(agent)
        self._units = None

    def distance_km(self, a: int, b: int) -> float:
        return float(np.hypot(self._cx[a] - self._cx[b], self._cy[a] - self._cy[b]))

    def nearest_place(self, lonlat: tuple[float, float] | None = None, cell: int | None = None) -> str:
        """Name of the place closest to a point or cell (for labelling events)."""
        if not self.spec.places:
            return ""
        if cell is None:
            cell = self.world.cell_index(*lonlat)
        pc = self.world.place_cells
        d = np.hypot(self._cx[pc] - self._cx[cell], self._cy[pc] - self._cy[cell])
        return self.spec.places[int(np.argmin(d))].name

    def learn_zones(self, unit: Unit) -> None:
        """A unit struck from the air inside a zone teaches its faction the zone is enforced."""
        for z, name in enumerate(self.zone_names):
            if self.zone_active[name] and self.world.zones[name].flat[unit.cell]:
                self.zone_belief[unit.faction, z] = 1.0

    # ----------------------------------------------------------------- grids
    def _spread(self, disks: control.Disks, along_path: bool = False) -> np.ndarray:
        """Per-faction unit strength over disks around units, or along this step's paths."""
        units = self.unit_list()
        paths = [u.path if along_path else [u.cell] for u in units]
        return control.spread(len(self.factions), paths, [u.faction for u in units],
                              [u.strength for u in units], disks)

    def _covered(self, disks: control.Disks) -> np.ndarray:
        """(F, H, W) bool: the cells within a disk around some unit of each faction, where they stand now."""
        units = self.unit_list()
        return control.covered(len(self.factions), [u.cell for u in units], [u.faction for u in units], disks)

    def zone_of_control(self) -> np.ndarray:
        """(F, H, W): the strength each faction's units project over their zones of control this step, swept
        along the paths they moved (what control is decided from; zero where no unit of the faction came)."""
        return self._spread(self._zoc, along_path=True)

    def supply_network(self, fi: int) -> supply.SupplyNetwork:
        """Today's supply network of a faction (computed on first use each day, from that day's control)."""
        if fi not in self._supply:
            area = self._supply_area(fi)
            ground = self._day_ground(fi, area)
            # the area returns its cached network when the ground has not changed since (the supply
            # mobility's cell costs never change)
            self._supply[fi] = self._last_network[fi] = area.network(ground)
        return self._supply[fi]

    def _supply_area(self, fi: int) -> supply.SupplyArea:
        """The part of the map a faction's supply could ever reach (found once per world and supply rule)."""
        area = self._supply_areas.get(fi)
        if area is None:
            w, fac, rule = self.world, self.spec.factions[fi], self.spec.supply
            src = [int(w.place_cells[self._place_index[n]]) for n in fac.supply_sources]
            key = ("supply", tuple(src), rule.mobility, rule.range_hours)
            if key not in w.search_cache:
                hours, cells = w.cell_hours[rule.mobility], np.array(src, dtype=np.int64)
                open_key = ("supply-open", tuple(src), rule.mobility)  # shared by every range a study tries
                if open_key not in w.search_cache:
                    w.search_cache[open_key] = supply.SupplyArea.open_ground_costs(w.graph, hours, cells)
                w.search_cache[key] = supply.SupplyArea(w.graph, hours, cells, rule.range_hours,
                                                        open_costs=w.search_cache[open_key])
            area = self._supply_areas[fi] = w.search_cache[key]
        return area

    def _day_ground(self, fi: int, area: supply.SupplyArea) -> np.ndarray:
        """The ground today's supply network of a faction runs on, taken at its first use of the day."""
        ground = self._supply_ground.get(fi)
        if ground is None:
            ground = self._supply_ground[fi] = area.ground(self.owner, self.factions.friendly[fi])
        return ground

    def _supplied(self, u: Unit) -> bool:
        """Supplied if the supply network reaches any cell of the unit's presence disk (the front is fuzzy).

        The faction's last searched network answers without a search when it can (see
        `SupplyNetwork.known_reach`): the answer is the one today's network would give. Measured on the
        Badia run, this skips most of the daily supply searches.
        """
        around = self._presence.cells([u.cell])
        fi = u.faction
        last = self._last_network.get(fi)
        if fi not in self._supply and last is not None:
            area = self._supply_area(fi)
            change = self._supply_change.get(fi)
            if change is None:
                change = self._supply_change[fi] = last.changes(self._day_ground(fi, area))
            known = last.known_reach(around, change, area)
            if known is not None:
                return known
        return self.supply_network(fi).reaches_any(around)

    def area_km2(self) -> np.ndarray:
        """Area held by each faction now, in km²: the model's held ground (measure `area_km2`)."""
        # cells outside the region never have an owner (sim.rules.control), so the whole grid can be counted
        counts = np.array([np.count_nonzero(self.owner == fi) for fi in range(len(self.factions))])
        return counts * self.world.grid.cell_area_km2

    def locality_km2(self) -> np.ndarray:
        """Area of each faction counted by localities: the land of every locality it holds (measure `locality_km2`)."""
        w = self.world
        return area_by_locality_owner(self.owner.flat[w.locality_cells], w.locality_area_km2, len(self.factions))

    def _refresh_fields(self) -> None:
        """Recompute supply fields, and plan every attacking unit's route, from current control (once a day).

        Units under orders first settle what their orders say today (go, hold, or finished); those that go
        are routed to their objective, the rest of the attackers choose objectives in the faction's sectors.
        """
        w, f = self.world, self.factions
        hostile = f.hostile
        n = len(f)
        flat_influence = self.influence.reshape(n, -1)
        units = self.unit_list()
        self._supply = {}
        self._supply_ground = {}
        self._supply_change = {}
        going = self._follow_orders(units)
        for fi in range(n):
            doc = f.doctrine[fi]
            attackers = [u for u in units if u.faction == fi and u.attacking]
            if not attackers:
                continue
            enemy = control.hostile_sum(hostile, flat_influence, [fi])[0].reshape(w.shape)
            zones = [self.world.zones[z] & self.zone_active[z] & self._zone_enforced_against(fi, z)
                     for z in self.zone_names]
            beliefs = list(self.zone_belief[fi])
            if self._avoid[fi] is not None:  # places the faction keeps away from weigh like a believed zone
                zones, beliefs = [*zones, self._avoid[fi]], [*beliefs, 1.0]
            free = [u for u in attackers if u.unique_id not in going]
            goals = None
            if free:
                take = control.by_owner(hostile[fi], self.owner, unowned=True)  # hostile-held or nobody's
                goals = movement.objectives(take, w.region, w.place_cells, self._values[fi], doc["territory_value"])
            for mob in sorted({u.mobility for u in attackers}):
                cost = movement.route_cost(w.cell_hours[mob], enemy, doc["caution"], zones, beliefs)
                group = [u for u in free if u.mobility == mob]
                if group:
                    order = sorted(range(len(group)), key=lambda k: (-group[k].strength, group[k].unique_id))
                    routes = movement.plan_routes(w.graph, cost, [u.cell for u in group], order, goals,
                                                  doc["value_hours"], doc["horizon_hours"])
                    for u, route in zip(group, routes, strict=True):
                        u.route = route or [u.cell]
                for u in attackers:
                    if u.mobility == mob and u.unique_id in going:
                        u.route = movement.route_to(cost, u.cell, going[u.unique_id])
        for u in units:  # pull out of a zone the faction now knows is enforced, even while holding by orders
            if u.posture == "attack" and not u.retreating and u.in_supply and self._in_believed_zone(u):
                u.holding = False
                u.route = self.supply_network(u.faction).route_to_source(u.cell)

    def _follow_orders(self, units: list[Unit]) -> dict[int, np.ndarray]:
        """Settle today's task of every unit under orders; return {unit id: target cells} of those that go.

        A unit whose orders say wait (a date, a condition, a pause) holds where it stands; one whose orders
        are finished holds or, with `then = "free"`, chooses its objectives as units without orders do. A
        faction whose doctrine says `follow_orders = 0` ignores its orders (its units choose for themselves).
        """
        going: dict[int, np.ndarray] = {}
        friendly: dict[int, np.ndarray] = {}  # faction -> flat mask of ground it or an ally holds
        for u in units:
            state = u.orders
            u.holding = False
            if state is None or u.retreating or self.factions.doctrine[u.faction]["follow_orders"] < 0.5:
                continue
            fi = u.faction
            if fi not in friendly:
                friendly[fi] = control.by_owner(self.factions.friendly[fi], self.owner, unowned=False).ravel()
            ours = friendly[fi]
            oi = self._order_index[state.order.name]
            for title in orders.advance(state, self.now, partial(self._achieved, u, oi, ours)):
                nxt = state.objective
                self._log(kind="order", faction=self.factions.ids[fi], place=title,
                          detail=f"{u.name}: {title} achieved" + (f"; next: {nxt.title}" if nxt else "; orders done"))
            todo = orders.task(state, self.now, partial(self._place_held, ours))
            if todo == orders.GO:
                cells = self._objective_cells[(oi, state.index)]
                if state.objective.kind == "area":
                    cells = cells[~ours[cells]]
                going[u.unique_id] = cells
            elif todo == orders.WAIT or state.order.then == "hold":
                u.holding = True
                u.route = [u.cell]
        return going

    def _achieved(self, u: Unit, order_index: int, friendly: np.ndarray, k: int) -> bool:
        """Whether objective k of a unit's order is achieved (see sim.rules.orders)."""
        obj, cells = u.orders.order.objectives[k], self._objective_cells[(order_index, k)]
        if obj.kind == "place":
            return bool(friendly[cells[0]])
        if obj.kind == "area":
            return orders.share_held(friendly, cells) >= orders.AREA_CLEARED
        reach = max(self.spec.control.presence_km, self.world.grid.cell_km)
        return orders.within(self._cx, self._cy, u.cell, cells, reach)

    def _place_held(self, friendly: np.ndarray, name: str) -> bool:
        return bool(friendly[self.world.place_cells[self._place_index[name]]])

    def _in_believed_zone(self, u: Unit) -> bool:
        """Whether a unit stands in an active air-denial zone its faction believes will be enforced."""
        return any(self.zone_active[z] and self.zone_belief[u.faction, k] >= 0.5 and self.world.zones[z].flat[u.cell]
                   and self._zone_enforced_against(u.faction, z) for k, z in enumerate(self.zone_names))

    def _zone_enforced_against(self, fi: int, zone: str) -> bool:
        """Whether an air-denial rule over `zone` targets faction `fi`."""
        for st in self.air:
            r = st.rule
            if r.rule == "zone_denial" and r.zone == zone and self._targets(st)[fi]:
                return True
        return False

    def _targets(self, st: airpower.AirState) -> np.ndarray:
        """(F,) bool: the factions an air rule strikes (its `targets`, else every faction hostile to its actor)."""
        r = st.rule
        if r.targets:
            return self._faction_mask(r.targets)
        return self.factions.hostile[self.factions.index[r.actor]]

    def _faction_mask(self, ids: Sequence[str]) -> np.ndarray:
        """(F,) bool: these factions (kept per tuple of ids: the fight asks every step)."""
        key = tuple(ids)
        mask = self._faction_masks.get(key)
        if mask is None:
            mask = self._faction_masks[key] = np.isin(np.arange(len(self.factions)),
                                                      [self.factions.index[f] for f in key])
        return mask

    # ----------------------------------------------------------------- step
    def step(self) -> None:
        """Advance the world by one step of `step_hours`.

        Mesa counts the step before calling this (`self.steps` is already this step's number, from 1), in
        mesa 3.3 and 3.5 alike; `running` turns false when the run's window has been simulated.
        """
        days = self.step_hours / 24.0
        sc = self.spec
        first_of_day = (self.steps - 1) % self.steps_per_day == 0
        while self._pending and self._pending[0].date <= self.now:
            ev = self._pending.pop(0)
            self._log(**apply_event(self, ev))
        if first_of_day:
            for st in self.air:
                st.used_today = 0.0
            self._refresh_fields()

        units = self.unit_list()
        for u in units:
            if first_of_day:
                u.in_supply = self._supplied(u)  # supply is judged once a day, on the day's network
            u.path = [u.cell]
            threshold = self.factions.doctrine[u.faction]["retreat_threshold"]
            if u.ratio < threshold:
                u.retreating = True
            elif u.retreating and u.ratio >= threshold + RESUME_MARGIN and u.in_supply:
                u.retreating = False
        self._move(units)
        self._fight(units, days)
        units = self.unit_list()
        strength = np.array([u.strength for u in units])
        updated = supply.apply_supply(strength, np.array([u.initial for u in units]),
                                      np.array([u.in_supply for u in units], dtype=bool),
                                      np.array([u.engaged for u in units], dtype=bool), days,
                                      sc.supply.attrition_per_day, sc.supply.replenish_per_day)
        for u, s in zip(units, updated, strict=True):
            u.strength = float(s)
        self._dissolve()
        self._control()
        end_of_day = self.steps % self.steps_per_day == 0
        if end_of_day:
            self._enclose()
        self.now = sc.meta.start + timedelta(hours=self.step_hours * self.steps)
        self._collect(daily=end_of_day)
        self.running = self.steps < self.days * self.steps_per_day

    def run_days(self, days: int, progress: Any = None) -> None:
        """Run whole days, past the window if asked; `progress(day, days)` is called after each one if given."""
        for day in range(days):
            for _ in range(self.steps_per_day):
                self.step()
            if progress is not None:
                progress(day + 1, days)

    def run_model(self, progress: Any = None) -> None:
        """Run until `running` turns false: the run's window (`days`), as Mesa's `run_model` does."""
        while self.running:
            self.step()
            if progress is not None and self.steps % self.steps_per_day == 0:
                progress(self.steps // self.steps_per_day, self.days)

    def release(self) -> None:
        """Drop the finished run's agents and state, once its data is taken (sim.api.run does this).

        A model and its units refer to each other, so without this a finished model (its grids, flow fields
        and collected data: ~4 MB for Badia) waits for the garbage collector's next full pass, which counts
        objects, not bytes, and may come only after dozens of runs. The model is unusable afterwards.
        """
        self.remove_all_agents()
        self.__dict__.clear()

    def _move(self, units: list[Unit]) -> None:
        width = self.world.grid.width
        hostile = self.factions.hostile
        threatened: dict[int, np.ndarray] = {}  # faction -> cells within range of a hostile unit
        for u in units:
            if u.attacking and not u.engaged and not u.retreating and u.faction not in threatened:
                mask = np.zeros(self.world.grid.height * width, dtype=bool)
                for other in units:
                    if hostile[u.faction, other.faction]:
                        reach = self._reach.cells([other.cell])
                        if self.world.barrier_combat is not None:  # no threat from across a barrier
                            reach = reach[barriers.fire_factor(self.world.barrier_combat,
                                                               np.full(len(reach), other.cell), reach) > 0]
                        mask[reach] = True
                threatened[u.faction] = mask
        for u in units:
            if u.retreating:
                route, stop = self.supply_network(u.faction).route_to_source(u.cell), None
            elif u.attacking and not u.engaged:
                route, stop = u.route, threatened[u.faction]
            else:
                continue
            if len(route) < 2 or route[0] != u.cell:
                continue
            u.path, u.carry_hours = movement.walk(route, self.step_hours * u.speed, u.carry_hours,
                                                  self.world.cell_hours[u.mobility], width, stop)
            u.cell = u.path[-1]
            if not u.retreating:
                u.route = route[len(u.path) - 1:]

    def _fight(self, units: list[Unit], days: float) -> None:
        sc, n = self.spec, len(units)
        for u in units:
            u.engaged = False
        if n == 0:
            return
        cells = np.array([u.cell for u in units])
        x, y = self._cx[cells], self._cy[cells]
        fac = np.array([u.faction for u in units])
        s = np.array([u.strength for u in units])
        hostile = self.factions.hostile
        attacking = np.array([u.attacking for u in units])
        # Doctrine: an attacker halts when local odds fall below 2 * (1 - aggression).
        d2 = (x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2
        near = d2 <= (2 * sc.combat.range_km) ** 2
        own = (near & ~hostile[fac[:, None], fac[None, :]]) @ s
        foe = (near & hostile[fac[:, None], fac[None, :]]) @ s
        need = np.array([2 * (1 - d["aggression"]) for d in self.factions.doctrine])[fac]
        attacking &= (foe == 0) | (own >= need * foe)
        defending = np.array([u.defending for u in units])
        pairs = combat.engaged_pairs(x, y, fac, hostile, attacking | defending, sc.combat.range_km)
        across = None
        if self.world.barrier_combat is not None and pairs.any():
            across = barriers.pair_factors(self.world.barrier_combat, cells, pairs)
            pairs &= across > 0
        damage = np.zeros(n)
        air_mult = np.ones(n)  # fire multiplier from close air support this step
        for st, centre in zip(self.air, self._air_centres, strict=True):
            if not st.active(self.now):
                continue
            r = st.rule
            if r.rule == "close_support":
                eligible = attacking & pairs.any(axis=1) & self._faction_mask(r.supports or (r.actor,))[fac]
                if centre is not None and r.radius_km is not None:
                    eligible &= np.hypot(x - self._cx[centre], y - self._cy[centre]) <= r.radius_km
                if eligible.any():  # else no sortie is flown and every multiplier stays 1
                    air_mult = np.maximum(air_mult, airpower.close_support(st, eligible,
                                                                           np.argsort(-s, kind="stable")))
            elif r.rule == "zone_denial" and self.zone_active[r.zone]:
                in_zone = self.world.zones[r.zone].ravel()[cells]
                hit = airpower.zone_denial(st, days, in_zone, self._targets(st)[fac], s - damage,
                                           self.rng if sc.combat.stochastic else None)
                for i in np.flatnonzero(hit > 0):
                    self._log(kind="air_strike", faction=r.actor, place=self.nearest_place(cell=int(cells[i])),
                              strength_lost=float(hit[i]), detail=f"{r.name} on {units[i].name}")
                    self.learn_zones(units[i])
                damage += hit
        if pairs.any():
            linear = np.array([u.fire == "dispersed" for u in units])
            rate = np.where(linear, sc.combat.dispersed_rate, sc.combat.aimed_rate)
            fire = rate * np.array([u.firepower for u in units]) * air_mult
            posture = np.array([sc.combat.posture_defence.get("attack" if u.retreating else u.posture, 1.0)
                                for u in units])
            defence = self._terrain_defence[self.world.terrain.ravel()[cells]] * posture
            eng = combat.Engagement(pairs=pairs, fire=fire, linear=linear, defence=defence, across=across)
            substeps = max(1, int(np.ceil(self.step_hours / sc.combat.substep_hours)))
            expected = combat.expected_losses(s, eng, days, substeps)
            losses = combat.draw_losses(expected, s, self.rng if sc.combat.stochastic else None)
            self._log_battles(units, pairs, losses, cells)
            damage += losses
        for u, d, engaged in zip(units, damage, pairs.any(axis=1), strict=True):
            u.strength = max(0.0, u.strength - float(d))
            u.engaged = bool(engaged)

    def _log_battles(self, units: list[Unit], pairs: np.ndarray, losses: np.ndarray, cells: np.ndarray) -> None:
        for members in _battle_groups(pairs):
            sides = sorted({self.factions.ids[units[i].faction] for i in members})
            lost = {f: 0.0 for f in sides}
            for i in members:
                lost[self.factions.ids[units[i].faction]] += float(losses[i])
            centre = int(cells[members[0]])
            self._log(kind="battle", faction=" vs ".join(sides), place=self.nearest_place(cell=centre),
                      strength_lost=float(sum(lost.values())),
                      detail="; ".join(f"{f} -{v:.0f}" for f, v in lost.items()))

    def _dissolve(self) -> None:
        floor = self.spec.combat.dissolve_below
        for u in self.unit_list():
            if u.strength < floor:
                self._log(kind="dissolved", faction=self.factions.ids[u.faction], place=self.nearest_place(cell=u.cell),
                          strength_lost=u.strength, detail=u.name)
                u.remove()

    def _control(self) -> None:
        sc = self.spec
        units = self.unit_list()
        n = len(self.factions)
        weights, factions = [u.strength for u in units], [u.faction for u in units]
        zones = [self._zoc.cells(u.path) for u in units]
        active = control.touched(zones, weights, self._influence.data.shape[1])  # where influence is nonzero
        self.influence = control.spread_cells(n, zones, factions, weights, self._zoc.shape,
                                              out=self._influence.fresh([active]))
        here = [u.cell for u in units]
        marked = self._presence_layers.fresh([self._presence.cells([c]) for c in here])
        presence = self._presence_now = control.covered(n, here, factions, self._presence, out=marked)
        new = control.update_owner(self.owner, self.world.region, self._footprint, self.influence, presence,
                                   self.factions.hostile, sc.control.contest_ratio, self._forbidden, active=active)
        self._log_captures(new)
        self.owner = new

    def _log_captures(self, new: np.ndarray, how: str = "") -> None:
        """Log a `captured` event for every place whose holder differs between the owner grid and `new`."""
        pc = self.world.place_cells
        for i in np.flatnonzero(new.flat[pc] != self.owner.flat[pc]):
            before, after = int(self.owner.flat[pc[i]]), int(new.flat[pc[i]])
            detail = f"from {self.factions.ids[before] if before >= 0 else 'nobody'}" + (f" ({how})" if how else "")
            self._log(kind="captured", faction=self.factions.ids[after] if after >= 0 else "",
                      place=self.spec.places[i].name, detail=detail)

    def front_links(self, units: list[Unit] | None = None) -> list[np.ndarray | None]:
        """Each faction's front links (flat masks; None where it has none): see sim.rules.front."""
        link_km = self.spec.control.front_link_km
        n = len(self.factions)
        if link_km <= 0:
            return [None] * n
        units = self.unit_list() if units is None else units
        # presence as this step's control saw it (units have not moved since); computed afresh otherwise
        presence = self._presence_now if self._presence_now is not None else (
            self._covered(self._presence))
        presence = presence.reshape(n, -1)
        hostile_present = np.zeros(presence.shape, dtype=bool)
        for f in range(n):
            for g in np.flatnonzero(self.factions.hostile[f]):
                hostile_present[f] |= presence[g]
        pc = self.world.place_cells
        held_places = self.owner.flat[pc]
        out: list[np.ndarray | None] = []
        for fi in range(n):
            cells = np.concatenate([np.array([u.cell for u in units if u.faction == fi], dtype=np.int64),
                                    pc[(held_places == fi) & self.world.region.flat[pc]]])
            mask = front.link_mask(cells, self.world.shape, self.world.grid.cell_km, link_km, hostile_present[fi])
            out.append(mask if mask.any() else None)
        return out

    def _enclose(self) -> None:
        """Once a day: ground cut off from its holder's sources and garrisons falls after `pocket_days`."""
        f, w = self.factions, self.world
        n = len(f)
        units = self.unit_list()
        links = self.front_links(units)
        friendly, hostile = f.friendly, f.hostile
        flat_owner = self.owner.ravel()
        anchors = []
        for fi in range(n):
            parts = [src[friendly[fi][flat_owner[src]] & (flat_owner[src] >= 0)]
                     for g, src in enumerate(self._source_cells) if friendly[fi, g] and len(src)]
            parts += [self._presence.cells([u.cell]) for u in units if friendly[fi, u.faction]]
            anchors.append(np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64))
        cut = enclosure.cut_off(self.owner, w.region, friendly, hostile, anchors, links, self._has_sources)
        self.cut_days = np.where(cut, self.cut_days + 1, 0).astype(np.int16)
        if not cut.any():
            return
        delay = np.array([d["pocket_days"] for d in f.doctrine] + [np.inf])
        cells = np.flatnonzero(cut)  # a pocket is a few cells of the map: look up its holders' delays alone
        falling = np.zeros(cut.shape, dtype=bool)
        falling.flat[cells] = self.cut_days.flat[cells] >= delay[self.owner.flat[cells].astype(np.int64)]
        if not falling.any():
            return
        new = enclosure.heirs(self.owner, w.region, falling, hostile, links, self._forbidden)
        self._log_captures(new, "pocket collapsed")
        self.cut_days[new != self.owner] = 0
        self.owner = new

    # ----------------------------------------------------------------- records
    def _log(self, **row: Any) -> None:
        base = {"time": self.now, "kind": "", "faction": "", "place": "", "strength_lost": 0.0, "detail": "",
                "description": ""}
        base.update(row)
        self.datacollector.add_table_row("events", base)

    @property
    def log(self) -> list[dict[str, Any]]:
        """The event log so far, one dict per event (columns `EVENT_COLUMNS`), from the DataCollector's table."""
        table = self.datacollector.tables["events"]
        return [dict(zip(EVENT_COLUMNS, values, strict=True)) for values in zip(*(table[c] for c in EVENT_COLUMNS),
                                                                              strict=True)]

    def _collect(self, daily: bool) -> None:
        """Collect this step's per-faction areas (Mesa's model reporters), and at the end of a day its curve
        rows (the `curves` table) and a snapshot of the owner grid."""
        self._area_now = self.area_km2()
        self.datacollector.collect(self)
        if daily:
            for row in _faction_rows(self):
                self.datacollector.add_table_row("curves", row)
            self.snapshots.append(self.owner.copy())
            self.snapshot_dates.append(self.now)
            self.snapshot_hostile.append(self.factions.hostile)
            self.snapshot_units.append([(u.name, u.faction, u.cell, u.strength) for u in self.unit_list()])

    def front_cells(self, day: int) -> np.ndarray:
        """(H, W) bool: the cells on a front line on a recorded day (see sim.rules.front)."""
        return front.front_mask(self.snapshots[day], self.world.region, self.snapshot_hostile[day])

    def curves(self) -> list[dict[str, Any]]:
        """Tidy daily rows: date, day, faction, area_km2, gained_km2, locality_km2, locality_gained_km2, front_km,
        strength, units, places_held (docs/scenario-format.md, "Outputs"), from the DataCollector's table."""
        table = self.datacollector.tables["curves"]
        return [dict(zip(CURVE_COLUMNS, values, strict=True)) for values in zip(*(table[c] for c in CURVE_COLUMNS),
                                                                              strict=True)]


def _area_reporter(model: ConflictModel, fi: int) -> float:
    """Mesa model reporter: faction `fi`'s held ground this step, km²."""
    return round(float(model._area_now[fi]), 3)


def _gain_reporter(model: ConflictModel, fi: int) -> float:
    """Mesa model reporter: faction `fi`'s held ground this step less what it held at the start, km²."""
    return round(float(model._area_now[fi] - model._area_start[fi]), 3)


def _battle_groups(pairs: np.ndarray) -> list[list[int]]:
    """Units linked by engagements, as groups of two or more (ascending), ordered by their first unit.

    A plain graph walk: with tens of units it is ~20x cheaper than scipy's connected_components, whose
    input validation dominated at this size.
    """
    seen = np.zeros(len(pairs), dtype=bool)
    groups = []
    for first in np.flatnonzero(pairs.any(axis=1)):
        if seen[first]:
            continue
        seen[first] = True
        group, frontier = [int(first)], [int(first)]
        while frontier:
            for j in np.flatnonzero(pairs[frontier.pop()] & ~seen):
                seen[j] = True
                group.append(int(j))
                frontier.append(int(j))
        groups.append(sorted(group))
    return groups


def _faction_rows(model: ConflictModel) -> list[dict[str, Any]]:
    """One curve row per faction for today (see `ConflictModel.curves`)."""
    w = model.world
    area = model._area_now
    localities = model.locality_km2()
    fronts = front.front_length_km(model.owner, w.region, model.factions.hostile, w.grid.cell_km)
    units = model.unit_list()
    pc = w.place_cells
    rows = []
    for fi, fid in enumerate(model.factions.ids):
        rows.append({
            "date": model.now.date().isoformat(), "day": (model.now - model.spec.meta.start).days,
            "faction": fid, "area_km2": round(float(area[fi]), 3),
            "gained_km2": round(float(area[fi]) - float(model._area_start[fi]), 3),
            "locality_km2": round(float(localities[fi]), 3),
            "locality_gained_km2": round(float(localities[fi]) - float(model._locality_start[fi]), 3),
            "front_km": round(float(fronts[fi]), 3),
            "strength": round(sum(u.strength for u in units if u.faction == fi), 1),
            "units": sum(1 for u in units if u.faction == fi),
            "places_held": int((model.owner.flat[pc] == fi).sum()),
        })
    return rows
