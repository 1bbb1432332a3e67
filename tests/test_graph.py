"""Grid-wide searches and spreads: the fixed-degree graph against a plain reference, supply windows, disks."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from sim.rules.control import Disks, SparseLayers, by_owner, covered, spread, touched
from sim.rules.movement import follow
from sim.rules.supply import SupplyArea
from sim.world.graph import NEIGHBOURS, GridGraph


def reference_costs(hours: np.ndarray, sources: np.ndarray, limit: float = np.inf) -> np.ndarray:
    """Dijkstra on a graph built edge by edge (only passable edges, no sink), for comparison."""
    h, w = hours.shape
    rows, cols, weights = [], [], []
    for r in range(h):
        for c in range(w):
            for dy, dx in NEIGHBOURS:
                rr, cc = r + dy, c + dx
                if 0 <= rr < h and 0 <= cc < w and np.isfinite(hours[r, c] + hours[rr, cc]):
                    rows.append(r * w + c)
                    cols.append(rr * w + cc)
                    weights.append((hours[r, c] + hours[rr, cc]) * 0.5 * np.hypot(dy, dx))
    graph = csr_matrix((weights, (rows, cols)), shape=(h * w, h * w))
    return dijkstra(graph, directed=True, indices=sources, min_only=True, limit=limit).reshape(h, w)


grids = st.tuples(st.integers(2, 9), st.integers(2, 9), st.integers(0, 2**32 - 1))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids, st.floats(0.5, 40.0))
def test_search_matches_a_plain_graph_and_flows_downhill(grid, limit):
    h, w, seed = grid
    rng = np.random.default_rng(seed)
    hours = rng.uniform(0.2, 3.0, (h, w))
    hours[rng.random((h, w)) < 0.2] = np.inf
    sources = rng.choice(h * w, size=int(rng.integers(1, 4)), replace=False)
    field = GridGraph(h, w).search(hours, sources, limit=limit)
    expected = reference_costs(hours, sources, limit)
    assert np.array_equal(np.isfinite(field.cost), np.isfinite(expected))
    finite = np.isfinite(expected)
    assert np.allclose(field.cost[finite], expected[finite])
    flat = field.cost.ravel()
    for cell in np.flatnonzero(finite.ravel()):
        nxt = field.next_cell[cell]
        if nxt < 0:
            assert cell in sources
            continue
        (r0, c0), (r1, c1) = divmod(int(cell), w), divmod(int(nxt), w)
        assert max(abs(r0 - r1), abs(c0 - c1)) == 1  # one step to a neighbour on the map
        step = (hours.flat[cell] + hours.flat[nxt]) * 0.5 * np.hypot(r1 - r0, c1 - c0)
        assert np.isclose(flat[cell], flat[nxt] + step)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids, st.floats(0.5, 12.0), st.floats(0.0, 0.6))
def test_supply_window_gives_the_whole_map_network(grid, range_hours, hostile_share):
    h, w, seed = grid
    h, w = h * 3, w * 3  # room for a window smaller than the map
    rng = np.random.default_rng(seed)
    hours = rng.uniform(0.2, 3.0, (h, w))
    owner = np.where(rng.random((h, w)) < hostile_share, 1, 0).astype(np.int8)
    owner[rng.random((h, w)) < 0.1] = -1
    friendly_row = np.array([True, False])
    sources = rng.choice(h * w, size=int(rng.integers(1, 3)), replace=False)
    graph = GridGraph(h, w)
    area = SupplyArea(graph, hours, sources, range_hours)
    got = area.network(area.ground(owner, friendly_row))
    ground = owner == 0
    held = sources[ground.ravel()[sources]]
    want = graph.search(np.where(ground, hours, np.inf), held, limit=range_hours)
    assert np.array_equal(got.cost_map(), want.cost)
    assert np.array_equal(got.next_cell_map(), want.next_cell)
    for cell in rng.choice(h * w, size=5, replace=False):
        assert got.route_to_source(int(cell)) == follow(want.next_cell, int(cell))
        assert got.reaches_any(np.array([cell])) == bool(np.isfinite(want.cost.flat[cell]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids, st.lists(st.floats(0.0, 0.3), min_size=1, max_size=4))
def test_refreshed_edge_weights_equal_a_full_weighting(grid, change_shares):
    h, w, seed = grid
    rng = np.random.default_rng(seed)
    graph = GridGraph(h, w)
    hours = rng.uniform(0.2, 3.0, (h, w))
    weights = graph.edge_hours(hours)
    for share in change_shares:
        changed = np.flatnonzero(rng.random(h * w) < share)
        hours.flat[changed] = np.where(rng.random(len(changed)) < 0.5, np.inf, rng.uniform(0.2, 3.0, len(changed)))
        graph.refresh_edge_hours(weights, hours, changed)
        assert np.array_equal(weights, graph.edge_hours(hours))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids, st.lists(st.floats(0.0, 0.4), min_size=2, max_size=5))
def test_supply_networks_day_after_day_equal_fresh_searches(grid, flip_shares):
    h, w, seed = grid
    h, w = h * 2, w * 2
    rng = np.random.default_rng(seed)
    hours = rng.uniform(0.2, 3.0, (h, w))
    owner = np.where(rng.random((h, w)) < 0.3, 1, 0).astype(np.int8)
    friendly_row = np.array([True, False])
    sources = rng.choice(h * w, size=2, replace=False)
    graph = GridGraph(h, w)
    area = SupplyArea(graph, hours, sources, 8.0)
    for share in flip_shares:  # a day of gains and losses
        flip = rng.random((h, w)) < share
        owner[flip] = 1 - owner[flip]
        got = area.network(area.ground(owner, friendly_row))
        fresh = SupplyArea(graph, hours, sources, 8.0)
        want = fresh.network(fresh.ground(owner, friendly_row))
        assert np.array_equal(got.cost_map(), want.cost_map())
        assert np.array_equal(got.next_cell_map(), want.next_cell_map())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids, st.lists(st.floats(0.0, 0.5), min_size=2, max_size=5))
def test_the_graphs_own_weights_follow_each_new_cost_layer(grid, change_shares):
    h, w, seed = grid
    rng = np.random.default_rng(seed)
    graph, fresh = GridGraph(h, w), GridGraph(h, w)
    hours = rng.uniform(0.2, 3.0, (h, w))
    for share in change_shares:  # small changes are refreshed, large ones refilled
        changed = rng.random((h, w)) < share
        hours = np.where(changed, rng.uniform(0.2, 3.0, (h, w)), hours)
        hours[changed & (rng.random((h, w)) < 0.3)] = np.inf
        assert np.array_equal(graph.weights_for(hours), fresh.edge_hours(hours))


def test_a_unit_counts_once_per_cell_along_a_path_of_overlapping_disks():
    disks = Disks((20, 20), 3.0)
    path = [5 * 20 + c for c in range(4, 12)]  # eight cells in a row: neighbouring disks overlap
    out = spread(2, [path, [15 * 20 + 15]], [0, 1], [7.5, 2.0], disks)
    covered = np.zeros(400, dtype=bool)
    for cell in path:
        covered[disks.cells([cell])] = True
    assert np.array_equal(out[0].ravel(), np.where(covered, 7.5, 0.0))
    assert out[1].sum() == 2.0 * len(disks.cells([15 * 20 + 15]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids, st.lists(st.floats(0.0, 0.3), min_size=2, max_size=5), st.integers(1, 12))
def test_an_old_network_never_answers_supply_differently_from_a_new_search(grid, flip_shares, disk):
    """`known_reach` may decline to answer, but when it answers it says what a fresh search would."""
    h, w, seed = grid
    h, w = h * 2, w * 2
    rng = np.random.default_rng(seed)
    hours = rng.uniform(0.2, 3.0, (h, w))
    owner = np.where(rng.random((h, w)) < 0.3, 1, 0).astype(np.int8)
    friendly_row = np.array([True, False])
    area = SupplyArea(GridGraph(h, w), hours, rng.choice(h * w, size=2, replace=False), 8.0)
    old = area.network(area.ground(owner, friendly_row))
    for share in flip_shares:
        flip = rng.random((h, w)) < share
        owner[flip] = 1 - owner[flip]
        ground = area.ground(owner, friendly_row)
        new = area.network(ground)
        change = old.changes(ground)
        for _ in range(5):
            cells = rng.choice(h * w, size=min(disk, h * w), replace=False)
            truth = new.reaches_any(cells)
            for known in (old.known_reach(cells, change), old.known_reach(cells, change, area)):
                assert known is None or known == truth


def test_an_old_network_answers_when_ground_only_grew_or_only_shrank():
    rng = np.random.default_rng(3)
    hours = rng.uniform(0.5, 1.5, (30, 30))
    owner = np.zeros((30, 30), dtype=np.int8)
    owner[:, 20:] = 1
    friendly_row = np.array([True, False])
    area = SupplyArea(GridGraph(30, 30), hours, np.array([0]), 30.0)
    old = area.network(area.ground(owner, friendly_row))
    near, far = np.array([31]), np.array([30 * 30 - 1])
    grown = owner.copy()
    grown[:, 20:25] = 0  # only gains: what was reached stays reached
    assert old.known_reach(near, old.changes(area.ground(grown, friendly_row))) is True
    assert old.known_reach(far, old.changes(area.ground(grown, friendly_row))) is None  # gains may reach it: search
    shrunk = owner.copy()
    shrunk[25:, :] = 1  # only losses, away from the route to `near`; nothing new can be reached
    assert old.known_reach(near, old.changes(area.ground(shrunk, friendly_row))) is True
    assert old.known_reach(far, old.changes(area.ground(shrunk, friendly_row))) is False
    assert area.network(area.ground(shrunk, friendly_row)).reaches_any(near)


def test_gains_too_far_from_the_network_cannot_bring_a_cell_into_supply() -> None:
    """A cell the last network missed stays out of supply when every gain lies beyond the range from the
    network's edge (`SupplyArea.beyond_range`): answered without a search, and as a search would."""
    hours = np.full((40, 60), 1.0)
    owner = np.ones((40, 60), dtype=np.int8)
    owner[:, :10] = 0  # the faction holds the west, its source in the corner
    friendly_row = np.array([True, False])
    area = SupplyArea(GridGraph(40, 60), hours, np.array([0]), 60.0)
    old = area.network(area.ground(owner, friendly_row))
    unit = np.array([20 * 60 + 30])  # in enemy ground, 20 cells east of the held strip's edge
    near_gain, far_gain = owner.copy(), owner.copy()
    far_gain[0:3, 50:53] = 0  # a pocket taken far off, inside the area but out of the network's range from it
    near_gain[18:23, 10:31] = 0  # a corridor from the strip to the unit
    assert old.known_reach(unit, old.changes(area.ground(far_gain, friendly_row)), area) is False
    assert not area.network(area.ground(far_gain, friendly_row)).reaches_any(unit)
    assert old.known_reach(unit, old.changes(area.ground(far_gain, friendly_row))) is None  # without the area: search
    assert old.known_reach(unit, old.changes(area.ground(near_gain, friendly_row)), area) is None
    assert area.network(area.ground(near_gain, friendly_row)).reaches_any(unit)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids, st.floats(0.5, 20.0))
def test_a_supply_area_read_off_open_ground_costs_equals_a_searched_one(grid, range_hours):
    """A study varying the supply range reuses one unlimited search: same area, same networks."""
    h, w, seed = grid
    rng = np.random.default_rng(seed)
    hours = rng.uniform(0.2, 3.0, (h, w))
    hours[rng.random((h, w)) < 0.1] = np.inf
    graph = GridGraph(h, w)
    sources = rng.choice(h * w, size=2, replace=False)
    searched = SupplyArea(graph, hours, sources, range_hours)
    read = SupplyArea(graph, hours, sources, range_hours, SupplyArea.open_ground_costs(graph, hours, sources))
    assert searched.window == read.window
    assert np.array_equal(searched.reach, read.reach)
    owner = np.where(rng.random((h, w)) < 0.3, 1, 0).astype(np.int8)
    row = np.array([True, False])
    a, b = searched.network(searched.ground(owner, row)), read.network(read.ground(owner, row))
    assert np.array_equal(a.cost_map(), b.cost_map())
    assert np.array_equal(a.next_cell_map(), b.next_cell_map())


@settings(max_examples=40, deadline=None)
@given(grids, st.lists(st.tuples(st.lists(st.integers(0, 80), min_size=1, max_size=6), st.integers(0, 2),
                                 st.sampled_from([0.0, 1e-50, 0.5, 3000.0, float("nan")])), max_size=6),
       st.floats(0.5, 3.0))
def test_the_cells_a_spread_touches_are_found_without_a_pass_over_the_map(grid, units, radius):
    """`touched` lists exactly the cells where `spread` leaves influence (update_owner's active cells)."""
    h, w, _ = grid
    disks = Disks((h, w), radius)
    paths = [[c % (h * w) for c in path] for path, _, _ in units]
    factions = [f for _, f, _ in units]
    weights = [wt for _, _, wt in units]
    influence = spread(3, paths, factions, weights, disks)
    cells = [disks.cells(path) for path in paths]
    assert np.array_equal(touched(cells, weights, h * w), np.flatnonzero(influence.reshape(3, -1).any(axis=0)))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**32 - 1), st.booleans())
def test_by_owner_reads_each_cells_owner_in_the_row(n, seed, unowned):
    """by_owner gives row[owner] for every held cell and `unowned` where nobody holds it."""
    rng = np.random.default_rng(seed)
    owner = rng.integers(-1, n, (7, 9)).astype(np.int8)
    row = rng.random(n) < rng.random()
    expected = np.where(owner >= 0, row[np.maximum(owner, 0)], unowned)
    assert np.array_equal(by_owner(row, owner, unowned), expected)


unit_sets = st.lists(st.tuples(st.lists(st.integers(0, 80), min_size=1, max_size=4), st.integers(0, 2),
                               st.floats(0.0, 5000.0)), max_size=5)


@settings(max_examples=30, deadline=None)
@given(grids, st.lists(unit_sets, min_size=1, max_size=4), st.floats(0.5, 2.5))
def test_layers_rewritten_in_place_equal_fresh_ones_step_after_step(grid, steps, radius):
    """The model's influence and presence buffers (SparseLayers) hold, each step, what fresh arrays would."""
    h, w, _ = grid
    disks = Disks((h, w), radius)
    influence, presence = SparseLayers(3, h * w, np.float32), SparseLayers(3, h * w, bool)
    for units in steps:
        paths = [[c % (h * w) for c in path] for path, _, _ in units]
        factions, weights = [f for _, f, _ in units], [wt for _, _, wt in units]
        here = [path[-1] for path in paths]
        active = touched([disks.cells(path) for path in paths], weights, h * w)
        reused = spread(3, paths, factions, weights, disks, out=influence.fresh([active]))
        assert np.array_equal(reused, spread(3, paths, factions, weights, disks))
        marked = presence.fresh([disks.cells([c]) for c in here])
        assert np.array_equal(covered(3, here, factions, disks, out=marked), covered(3, here, factions, disks))
