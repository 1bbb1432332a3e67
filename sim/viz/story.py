"""The report's text: what happened in a run and how it compares with the claims, as HTML.

- `summary_html`: a few lines a reader takes away (ground won and lost, places taken, strikes, claims in range);
- `claims_html`: each area claim (numbered as on the curves: C1, C2 ...) against the run, with its full source;
- `captures_html`: every place that changed hands in the run, in date order, from which faction to which, set
  against the reported date where a claim gives one; then the reported captures the run has not made;
- `events_html`: air strikes, the scenario's dated events, orders' objectives achieved and units dissolved, in a
  table that can be filtered by kind; battles grouped by place (not one row every six hours).

Factions are shown by name with their colour; nothing here draws a figure.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import measures
from sim.compare import compare_run, reported_dates, verdict, within_run
from sim.viz.mapfig import captures, pale

if TYPE_CHECKING:
    import pandas as pd

    from sim.rundata import Run

CSS = """<style>
table.claims{border-collapse:collapse;font-size:13px;margin:8px 0 24px;width:100%}
table.claims th,table.claims td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
table.claims td.num{text-align:right;white-space:nowrap}
table.claims td.nowrap{white-space:nowrap}
table.claims td.who{min-width:120px;max-width:190px}
table.claims td b{white-space:nowrap}
.early{color:#b03a2e}.late{color:#1f618d}.ok{color:#1e8449;font-weight:bold}.no{color:#b03a2e}
.chip{display:inline-block;width:11px;height:11px;border:1px solid #777;margin-right:4px;vertical-align:-1px}
.quote{color:#666;font-style:italic}
.summary li{margin:3px 0}
.filters label{margin-right:14px;font-size:13px}
details summary{cursor:pointer;color:#1f618d;margin:6px 0}
</style>"""

EVENT_KINDS = {  # events.csv kinds shown in the events table, in words (battles and captures have their own)
    "air_strike": "air strike", "strike": "strike (dated event)", "reinforce": "reinforcement",
    "order": "objective achieved", "dissolved": "unit dissolved", "zone": "zone declared or lifted",
    "relation": "relations changed", "doctrine": "doctrine changed",
}
URL = re.compile(r"https?://[^\s<>\"');,]+")


def esc(value: Any) -> str:
    return html.escape(str(value))


def linked(text: Any) -> str:
    """Escaped text with its URLs as links."""
    out, at = [], 0
    text = str(text)
    for m in URL.finditer(text):
        out += [esc(text[at:m.start()]), f"<a href='{esc(m.group())}'>{esc(m.group())}</a>"]
        at = m.end()
    return "".join(out) + esc(text[at:])


def faction_html(run: Run, fid: str) -> str:
    """A faction's name with a chip of its held cells' colour (as on the map); the id if it is not the run's."""
    if fid not in run.colours:
        return esc(fid or "?")
    return f"<span class='chip' style='background:{pale(run.colours[fid])}'></span>{esc(run.names.get(fid, fid))}"


def table(headers: list[str], rows: list[list[Any]], cls: list[str] | None = None, attrs: list[str] | None = None
          ) -> str:
    """An HTML table (cells are HTML already); `cls` gives each column's class, `attrs` each row's attributes."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    cls = cls or [""] * len(headers)
    body = "".join(f"<tr{' ' + attrs[i] if attrs else ''}>" + "".join(
        f"<td class='{c}'>{v}</td>" if c else f"<td>{v}</td>" for c, v in zip(cls, r, strict=True)) + "</tr>"
        for i, r in enumerate(rows))
    return f"<table class='claims'><tr>{head}</tr>{body}</table>"


Compared = tuple["pd.DataFrame", "pd.DataFrame"]  # what sim.compare.compare_run gives


def _compared(run: Run, claims: pd.DataFrame, compared: Compared | None) -> Compared:
    return compare_run(run, claims) if compared is None else compared


def summary_html(run: Run, claims: pd.DataFrame | None, compared: Compared | None = None) -> str:
    """What happened, in a few lines: who gained and lost ground, places taken, strikes, claims in range.
    (`compared`: compare_run(run, claims) if the caller has it, else computed.)"""
    day, faction = run.curves["day"].to_numpy(), np.array(run.curves["faction"].tolist(), dtype=object)
    area = run.curves["area_km2"].to_numpy(float)
    first, last = day == day.min(), day == day.max()
    items = []
    for fid in run.factions:
        a, b = float(area[first & (faction == fid)].sum()), float(area[last & (faction == fid)].sum())
        if round(b - a):
            items.append(f"{faction_html(run, fid)}: {a:,.0f} → {b:,.0f} km² "
                         f"(<b>{'+' if b > a else '−'}{abs(b - a):,.0f} km²</b>)")
    if not items:
        items.append("No ground changed hands.")
    caps = captures(run)
    if caps:
        by: dict[str, int] = {}
        for _, _, taker, _ in caps:
            by[taker] = by.get(taker, 0) + 1
        items.append(f"{len(caps)} place{'s' if len(caps) != 1 else ''} changed hands ("
                     + ", ".join(f"{n} taken by {esc(run.names.get(f, f))}" for f, n in by.items())
                     + "): see the timeline below and the stars on the map.")
    ev = run.events
    strikes = ev[ev["kind"] == "air_strike"]
    if len(strikes):
        items.append(f"{len(strikes)} air strike{'s' if len(strikes) != 1 else ''} hit units "
                     f"({strikes['strength_lost'].sum():,.0f} strength lost).")
    if claims is not None and len(claims):
        areas, caps_cmp = _compared(run, claims, compared)
        dated = areas[areas["date"] <= run.dates[-1]]
        if len(dated):
            items.append(f"Against the reported areas: <b>{int(dated['in_range'].sum())} of {len(dated)}</b> "
                         f"claims dated within the run are in range.")
        shown = within_run(caps_cmp, run.dates[-1])
        dated_caps = shown[shown["date_low"] <= run.dates[-1]]
        if len(dated_caps):
            ok = int((dated_caps["status"] == "in range").sum())
            items.append(f"Against the reported captures: <b>{ok} of {len(dated_caps)}</b> captures reported "
                         "within the run happen in the reported dates.")
    period = f"{run.dates[0]} to {run.dates[-1]} ({run.days} day{'s' if run.days != 1 else ''})"
    return (f"<h3>What happened, {period}</h3><ul class='summary'>"
            + "".join(f"<li>{i}</li>" for i in items) + "</ul>")


def claims_html(run: Run, claims: pd.DataFrame | None, compared: Compared | None = None) -> str:
    """The area claims against the run: claimed value, range, simulated value, difference, in range, source."""
    if claims is None or not len(claims):
        return ""
    from sim.viz.report import claim_label

    cmp = _compared(run, claims, compared)[0]
    if not len(cmp):
        return ""
    quotes = [str(q) if q == q else "" for q in claims.loc[claims["measure"] != measures.CAPTURED, "quote"]] \
        if "quote" in claims else [""] * len(cmp)
    rows = []
    for k, (r, quote) in enumerate(zip(cmp.itertuples(), quotes, strict=True), start=1):
        unit = "%" if measures.is_share(r.measure) else ""
        known = r.simulated == r.simulated
        after = r.date > run.dates[-1]
        rows.append([
            f"<b>{claim_label(k)}</b>", esc(r.date), faction_html(run, r.faction),
            f"{esc(r.measure)}<br><small>{esc(measures.COUNTING[r.measure])}</small>",
            f"{r.claimed:,.0f}{unit}", f"{r.low:,.0f}–{r.high:,.0f}{unit}",
            f"{r.simulated:,.0f}{unit}" if known else "—",
            f"{r.difference:+,.0f}{unit}" if known else "—",
            "<span class='ok'>yes</span>" if r.in_range else (
                "not yet (after the run)" if after else "<span class='no'>no</span>"),
            linked(r.source) + (f"<br><span class='quote'>“{esc(quote)}”</span>" if quote else "")])
    return ("<h3>The reported areas against the run</h3><p>Each claim as its source counts it (C1, C2 … as "
            "labelled on the curves); difference = simulated − claimed.</p>"
            + table(["#", "date", "faction", "measure", "claimed", "range", "simulated", "difference", "in range",
                     "source"], rows, ["", "nowrap", "who", "", "num", "num", "num", "num", "", ""]))


def captures_html(run: Run, claims: pd.DataFrame | None, compared: Compared | None = None) -> str:
    """Every capture of the run in date order (from which faction to which; against the reported date where
    a claim gives one), then the reported captures the run has not made."""
    caps = captures(run)
    cmp = _compared(run, claims, compared)[1] if claims is not None and len(claims) else None
    by_claim = {} if cmp is None else {(r.place, r.faction): r for r in cmp.itertuples()}
    kinds = dict(zip(run.places["name"], run.places["kind"], strict=True))
    style = {"in range": "ok", "early": "early", "late": "late", "not by end": "late"}
    seen: set[tuple[str, str]] = set()
    rows = []
    for date, place, taker, frm in caps:
        claim = by_claim.get((place, taker)) if (place, taker) not in seen else None
        seen.add((place, taker))
        reported = off = source = "—"
        if claim is not None:
            reported = esc(reported_dates(claim.claimed, claim.date_low, claim.date_high)).replace(" (", "<br>(")
            off = f"<span class='{style.get(claim.status, '')}'>{esc(verdict(claim.status, claim.days_off, ''))}</span>"
            source = linked(claim.source)
        rows.append([esc(date), f"<b>{esc(place)}</b><br><small>{esc(kinds.get(place, ''))}</small>",
                     faction_html(run, frm) if frm else "?", faction_html(run, taker), reported, off, source])
    out = ["<h3>Places that changed hands</h3>"]
    if rows:
        out.append("<p>In the order the run took them; where a claim dates the capture, the reported date and "
                   "how many days early or late the run is.</p>"
                   + table(["simulated date", "place", "from", "to", "reported", "run vs reported", "source"], rows,
                           ["nowrap", "", "who", "who", "nowrap", "", ""]))
    else:
        out.append("<p>No place changed hands in the run.</p>")
    if cmp is not None:
        made = np.array([k in seen for k in zip(cmp["place"], cmp["faction"], strict=True)], dtype=bool)
        missing = cmp[(cmp["simulated"] == "").to_numpy() & ~made]
        end = run.dates[-1]
        within, after = missing[missing["date_low"] <= end], missing[missing["date_low"] > end]
        mrows = [[esc(reported_dates(r.claimed, r.date_low, r.date_high)).replace(" (", "<br>("),
                  f"<b>{esc(r.place)}</b>", faction_html(run, r.faction),
                  f"<span class='{style.get(r.status, '')}'>{esc(verdict(r.status, r.days_off, end))}</span>",
                  linked(r.source)] for r in within.sort_values("claimed", kind="stable").itertuples()]
        heads = ["reported", "place", "taken by", "in the run", "source"]
        if mrows:
            out.append("<h4>Reported within the run, not made by the run</h4>"
                       + table(heads, mrows, ["nowrap", "", "who", "", ""]))
        if len(after):
            arows = [[esc(reported_dates(r.claimed, r.date_low, r.date_high)).replace(" (", "<br>("),
                      f"<b>{esc(r.place)}</b>", faction_html(run, r.faction), "after the run's last day",
                      linked(r.source)] for r in after.sort_values("claimed", kind="stable").itertuples()]
            out.append(f"<details><summary>{len(after)} more reported capture{'s' if len(after) != 1 else ''} "
                       f"dated after {esc(end)} (run longer with --days to set the run against them)</summary>"
                       + table(heads, arows, ["nowrap", "", "who", "", ""]) + "</details>")
    return "".join(out)


def battle_rows(run: Run) -> list[list[str]]:
    """Battles grouped by place and sides: first and last date, six-hour steps fought, losses of each side."""
    ev = run.events[run.events["kind"] == "battle"]
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for t, sides, place, detail in zip(ev["time"], ev["faction"], ev["place"], ev["detail"], strict=True):
        g = groups.setdefault((str(place), str(sides)), {"first": str(t), "last": str(t), "steps": 0, "lost": {}})
        g["last"], g["steps"] = str(t), g["steps"] + 1
        for fid, n in re.findall(r"([\w-]+) -(\d+(?:\.\d+)?)", str(detail)):
            g["lost"][fid] = g["lost"].get(fid, 0.0) + float(n)
    rows = []
    for (place, sides), g in sorted(groups.items(), key=lambda kv: kv[1]["first"]):
        who = " vs ".join(faction_html(run, f) for f in sides.split(" vs "))
        lost = "; ".join(f"{esc(run.names.get(f, f))} −{n:,.0f}" for f, n in g["lost"].items())
        rows.append([f"{esc(g['first'][:10])} to {esc(g['last'][:10])}", f"<b>{esc(place)}</b>", who,
                     str(g["steps"]), lost])
    return rows


def events_html(run: Run) -> str:
    """Air strikes and dated events (filterable by kind), and the battles grouped by place."""
    ev = run.events
    shown = ev[ev["kind"].isin(list(EVENT_KINDS))]
    out = ["<h3>Air strikes and dated events</h3>"]
    if len(shown):
        kinds = [k for k in EVENT_KINDS if k in set(shown["kind"])]
        counts = shown["kind"].value_counts()
        boxes = "".join(f"<label><input type='checkbox' checked data-kind='{k}'> {esc(EVENT_KINDS[k])} "
                        f"({counts[k]})</label>" for k in kinds)
        rows, attrs = [], []
        for r in shown.itertuples():
            what = esc(r.detail) if r.detail == r.detail else ""
            if r.description == r.description and str(r.description):
                what += f"<br><span class='quote'>{esc(r.description)}</span>"
            lost = f"{r.strength_lost:,.0f}" if r.strength_lost else ""
            rows.append([esc(str(r.time).replace("T", " ")), esc(EVENT_KINDS[r.kind]), faction_html(run, r.faction),
                         esc(r.place), what, lost])
            attrs.append(f"data-kind='{r.kind}'")
        out.append(f"<div class='filters' id='event-filters'>Show: {boxes}</div>"
                   + table(["time", "kind", "faction", "place", "what", "strength lost"], rows,
                           ["nowrap", "nowrap", "who", "", "", "num"], attrs).replace(
                       "<table class='claims'>", "<table class='claims' id='events-table'>", 1)
                   + FILTER_SCRIPT)
    else:
        out.append("<p>No air strikes or dated events in the run.</p>")
    battles = battle_rows(run)
    if battles:
        n = int((ev["kind"] == "battle").sum())
        out.append(f"<h4>Battles ({n} six-hour rounds, grouped by place)</h4>"
                   + table(["dates", "near", "sides", "rounds", "strength lost"], battles,
                           ["nowrap", "", "who", "num", ""]))
    return "".join(out)


FILTER_SCRIPT = """<script>
(function() {
  var boxes = document.querySelectorAll('#event-filters input');
  var apply = function() {
    var on = {};
    boxes.forEach(function(b) { on[b.dataset.kind] = b.checked; });
    document.querySelectorAll('#events-table tr[data-kind]').forEach(function(tr) {
      tr.style.display = on[tr.dataset.kind] ? '' : 'none';
    });
  };
  boxes.forEach(function(b) { b.addEventListener('change', apply); });
})();
</script>"""


