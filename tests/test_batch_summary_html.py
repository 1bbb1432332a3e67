"""summary.html prints numbers as people read them (5,000, not 5e+03; shares as percentages) and sources whole."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from sim.cli import main

SOURCE = ("Westland Ministry of Information, communique no. 12 read on state radio at noon and carried by the "
          "wire services the next morning")


def test_summary_html_tables_read_as_people_read_numbers(tmp_path: Path, capsys) -> None:
    claims = tmp_path / "claims.csv"
    claims.write_text("date,faction,measure,value,low,high,source,quote\n"
                      f'2020-01-03,west,gained_km2,5000,4000,6000,"{SOURCE}",\n'
                      f'2020-01-03,west,held_km2,1234.5678,0,100000,"{SOURCE}",\n', encoding="utf-8")
    exp = tmp_path / "ens.toml"
    exp.write_text(f'[experiment]\nname = "ens"\nscenario = "corridor"\ndays = 2\nseed = 5\nclaims = "{claims}"\n'
                   '[design]\nkind = "ensemble"\nreplicates = 2\n', encoding="utf-8")
    out = tmp_path / "batch"
    assert main(["batch", str(exp), "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert main(["summarize", str(out)]) == 0
    capsys.readouterr()
    page = (out / "summary.html").read_text(encoding="utf-8")
    table = page[page.index("<table"):page.index("</table>")]
    cells = [html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", table, re.S)]
    assert not [c for c in cells if re.search(r"\d[eE][+-]\d", c)]  # no 5e+03
    scores = pd.read_csv(out / "claims.csv")
    columns = re.findall(r"<th>(.*?)</th>", table)
    rows = [cells[i:i + len(columns)] for i in range(0, len(cells), len(columns))]
    first = dict(zip(columns, rows[0], strict=True))
    assert first["claimed"] == "5,000" and first["low"] == "4,000" and first["high"] == "6,000"
    assert first["share_in_range"] == f"{100 * scores.loc[0, 'share_in_range']:.0f}%"
    assert dict(zip(columns, rows[1], strict=True))["claimed"] == "1,235"
    assert first["source"] == SOURCE  # whole, not cut at pandas' 50 characters
