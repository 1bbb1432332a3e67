"""Place labels that do not overprint: each place gets the zoom level from which its label is shown.

A map of a theatre has dozens of places within a few pixels of each other (Palmyra, T4 and its gas fields;
al-Tanf and its checkpoints). Labels are given out greedily, most important place first: at zoom level 1 (the
map as it opens) a label is shown only if its box clears every label already shown; the others wait for the
first level (2, 4, 8 times closer) at which they clear. Places that never clear, or are minor, are named on
hover only. Importance is the place's kind, raised for the places the story is about (taken in the run or named
by a claim).

The page shows a level's labels once the map is zoomed in that far (`LABEL_SCRIPT`, for report.html); a
figure drawn without the script (the dashboard) shows the level-1 labels only.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

LEVELS = (1, 2, 4, 8)
KIND_RANK = {"city": 6, "town": 4, "airbase": 3, "base": 3, "border": 2, "crossing": 2, "oil_field": 2,
             "gas_field": 2, "mine": 2, "junction": 2, "station": 2, "dam": 2, "village": 1}
STORY_BONUS = 3  # places taken in the run or named by a claim
FIRST_LEVEL = ((4, 1), (2, 2), (0, 4))  # (importance at least, the first level its label may show at)
CHAR_PX, LINE_PX, GAP_PX = 6.6, 13.0, 5.0  # a 10 px bold font's mean character width and line height; label above dot


def importance(places: pd.DataFrame, story: Iterable[str] = ()) -> np.ndarray:
    """Each place's importance: its kind's rank (city 6 ... village 1), plus STORY_BONUS for `story` places."""
    story = set(story)
    return np.array([KIND_RANK.get(k, 1) + (STORY_BONUS if n in story else 0)
                     for n, k in zip(places["name"], places["kind"], strict=True)], dtype=int)


def label_levels(places: pd.DataFrame, km_per_px: float, story: Iterable[str] = ()) -> np.ndarray:
    """The zoom level (one of LEVELS) from which each place's label is shown, 0 for hover only.

    `km_per_px` is the map's scale as it opens (level 1); at level L it is km_per_px / L.
    """
    n = len(places)
    level = np.zeros(n, dtype=int)
    if not n:
        return level
    imp = importance(places, story)
    order = np.argsort(-imp, kind="stable")
    x, y = places["x"].to_numpy(float), places["y"].to_numpy(float)
    half_w = np.array([len(str(s)) for s in places["name"]]) * CHAR_PX / 2
    first = np.array([next(lv for floor, lv in FIRST_LEVEL if i >= floor) for i in imp])
    for lv in LEVELS:
        scale = km_per_px / lv
        boxes = [_box(i, x, y, half_w, scale) for i in np.flatnonzero((level > 0) & (level < lv))]
        for i in order:
            if level[i] or first[i] > lv:
                continue
            box = _box(i, x, y, half_w, scale)
            if not any(_overlap(box, b) for b in boxes):
                boxes.append(box)
                level[i] = lv
    return level


def _box(i: int, x: np.ndarray, y: np.ndarray, half_w: np.ndarray, scale: float) -> tuple[float, ...]:
    """The label's box in km (x0, y0, x1, y1): centred above the place's dot."""
    return (x[i] - half_w[i] * scale, y[i] + GAP_PX * scale, x[i] + half_w[i] * scale,
            y[i] + (GAP_PX + LINE_PX) * scale)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# Shows each label trace (meta.label_level) once the map is zoomed in that far from how it opened. Takes the
# map's div id; run after Plotly.newPlot.
LABEL_SCRIPT = """
function badiaLabels(id) {
  var g = document.getElementById(id);
  if (!g || !g._fullLayout) return;
  var span = function() { var r = g._fullLayout.xaxis.range; return Math.abs(r[1] - r[0]); };
  var base = span(), shown = null;
  var update = function() {
    var zoom = base / span(), idx = [], vis = [];
    g.data.forEach(function(t, i) {
      if (t.meta && t.meta.label_level) { idx.push(i); vis.push(zoom >= 0.95 * t.meta.label_level); }
    });
    var key = vis.join();
    if (!idx.length || key === shown) return;
    shown = key;
    Plotly.restyle(g, {visible: vis}, idx);
  };
  g.on('plotly_relayout', update);
  update();
}
"""
