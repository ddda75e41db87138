"""What search costs an author under `mkdocs serve` (issue 24): per rebuild after an edit to one
postmortem's body, seconds until the served page shows the edit (what the author waits for), and
until the search index is current again (pagefind/ready.json back), with search indexed under
serve (the default) and with `search_on_serve: false`.

    python benchmarks/serve_search.py               # 1,000 postmortems, 4 edits each way
    python benchmarks/serve_search.py --size 200 --edits 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import serve_edits
from synthetic import write_archive

READY = "pagefind/ready.json"  # written last, once the index is current


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pm-serve-docs-") as tmp:
        docs = Path(tmp) / "docs"
        write_archive(docs, args.size, args.seed)
        # Alternating, so the machine's load falls on both alike.
        results: dict[str, list[tuple[float, float | None]]] = {"indexed": [], "off": []}
        for _ in range(2):
            results["indexed"] += serve_edits("ours-pagefind", docs, args.edits // 2, wait_for=READY)
            results["off"] += serve_edits("ours-pagefind", docs, args.edits // 2, options={"search_on_serve": False})
    for name, runs in results.items():
        served = [s for s, _ in runs]
        line = f"N={args.size}, search {name}: edit to served page " + ", ".join(f"{s:.1f}" for s in served)
        line += f" s (median {statistics.median(served):.1f} s)"
        ready = [r for _, r in runs if r is not None]
        if ready:
            line += "; to index ready " + ", ".join(f"{r:.1f}" for r in ready)
            line += f" s (median {statistics.median(ready):.1f} s)"
        print(line)


if __name__ == "__main__":
    main()
