#!/usr/bin/env python3
"""Prints natter bench JSON results (from bench/compare.sh) as one Markdown table per scenario,
with each peer's figures beside natter's and how many times natter is ahead (x2.0: twice as
good; x0.5: half as good), whichever direction is better for that figure.

    bench/table.py OUT_DIR/*.json
"""
import json
import sys


def better_higher(name):
    """Rates and counts kept are better higher; times, latencies and memory lower."""
    return name.endswith("/s") or name in ("still open", "kept", "kept after resume")


def fmt(v):
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def main(paths):
    outcomes = []
    for path in paths:
        with open(path) as f:
            outcomes.extend(json.load(f))
    scenarios = []
    for o in outcomes:
        if o["scenario"] not in scenarios:
            scenarios.append(o["scenario"])
    for scenario in scenarios:
        rows = [o for o in outcomes if o["scenario"] == scenario]
        rows.sort(key=lambda o: o["target"] != "natter")
        natter = next((o for o in rows if o["target"] == "natter"), None)
        names = []
        for o in rows:
            for name, _ in o["figures"]:
                if name not in names:
                    names.append(name)
        print(f"\n### {scenario}\n")
        print("| server | setup | " + " | ".join(names) + " | lost |")
        print("|---" * (len(names) + 3) + "|")
        base = dict(natter["figures"]) if natter else {}
        for o in rows:
            mine = dict(o["figures"])
            cells = []
            for name in names:
                v = mine.get(name)
                if v is None:
                    cells.append("")
                    continue
                cell = fmt(v)
                b = base.get(name)
                if o is not natter and b and v:
                    ahead = b / v if better_higher(name) else v / b
                    cell += f" (natter x{ahead:.2f})"
                cells.append(cell)
            print(f"| {o['target']} | {o['setup']} | " + " | ".join(cells) + f" | {o['lost']} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
