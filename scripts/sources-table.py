#!/usr/bin/env python3
"""Regenerates the sources table in docs/data.md from data/sources.csv (between the
`<!-- sources-table -->` marker and the next heading)."""
import csv, pathlib, re

root = pathlib.Path(__file__).resolve().parent.parent
rows = list(csv.DictReader(l for l in open(root / "data/sources.csv", encoding="utf-8") if not l.startswith("#")))
lines = [
    f"{len(rows)} sources. `reliability`: sourced = read in the cited source; secondary = restated by an aggregator "
    "or trade press; low = weak source; memory = not confirmed. Seed articles are the project's source texts "
    "(`/work/shared/seeds/`) and have no URL. `published`: when the source appeared (the back-test's date check).",
    "",
    "| id | publisher | title | year | published | reliability | URL / locator |",
    "|---|---|---|---|---|---|---|",
]
for r in rows:
    where = r["url"] or ""
    if r["locator"]:
        where = f"{where} ({r['locator']})" if where else r["locator"]
    cell = lambda s: (s or "").replace("|", "/").strip()
    lines.append(f"| `{r['id']}` | {cell(r['publisher'])} | {cell(r['title'])} | {cell(r['year'])} | {cell(r['published'])} | {cell(r['reliability'])} | {cell(where)} |")
doc = (root / "docs/data.md").read_text(encoding="utf-8")
marker = "<!-- sources-table -->"
start = doc.index(marker) + len(marker)
end = doc.index("\n## ", start)
doc = doc[:start] + "\n\n" + "\n".join(lines) + "\n" + doc[end:]
(root / "docs/data.md").write_text(doc, encoding="utf-8")
print(f"{len(rows)} sources written to docs/data.md")
