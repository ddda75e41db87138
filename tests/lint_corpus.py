"""A synthetic archive baited for every lint rule, for the golden comparison of lint's findings.

`python tests/lint_corpus.py DIR [--count 300]` writes DIR/mkdocs.yml, DIR/people.yml (a roster)
and DIR/postmortems/: the benchmarks' synthetic postmortems, each with blame, hindsight and cause
sentences naming its own people, roster people and strangers (written as typed: lower case,
upper case, possessive, without special letters, split by extra spaces), owners that are teams
or lists, missing dates and tickets, vague items, prompts, review entries, disabled rules; and a
few files with hostile front matter (broken YAML, aliases, merge keys, tags, duplicate keys, bad
dates, not UTF-8). Deterministic: the same count writes the same files.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from synthetic import PEOPLE, postmortem

ROSTER = [
    {"name": "Søren Ågård", "aliases": ["Søren"]},
    {"name": "José Núñez", "aliases": ["José", "Pepe"]},
    {"name": "Jürgen Müller"},
    {"name": "Will Park", "aliases": ["Will"]},
    {"name": "Çağrı Yıldız"},
    *({"name": name} for name in PEOPLE[::25]),
]

STRANGERS = ["Bob", "Alice Cooper", "Mallory", "Ægir", "Øystein", "Zoë", "Ned Stark"]

# {p}: a name; each sentence is baited for one or more rules.
SENTENCES = [
    "{p} forgot to renew the certificate.",
    "{p} broke the deploy pipeline.",
    "{p} accidentally deleted the replica.",
    "{p}'s fault entirely, as usual.",
    "The outage was caused by {p}.",
    "It happened because of  {p} during the rollout.",
    "The failure was blamed on {p} by the reviewers.",
    "The root cause was {p}.",
    "{p} really quickly messed up the config.",
    "{p} was to blame for the alert storm.",
    "{p} did not check the dashboard.",
    "{p}'s mistake cost us an hour.",
    "Human error by {p} was the root cause.",
    "An operator error happened.",
    "Someone forgot the flag, and nobody noticed.",
    "The engineer carelessly pushed to main.",
    "We should have known; it was obvious.",
    "The team failed to check the canary.",
    "Images failed to load for ten minutes.",
    "It was a stupid, sloppy change.",
    "{p} wrongly assumed the cache was warm.",
    "Kafka failed to elect a leader.",
    "{p} neglected to page the on-call.",
    "Samsung phones forgot nothing.",
    "We will mark it done and park the car.",
    "TODO: describe the impact.",
    "The carelesſly written script ran (long s).",
    "İSTANBUL's team was to blame.",
]


def _spelled(name: str, rng: random.Random) -> str:
    """A name as someone might type it."""
    parts = name.split()
    return rng.choice(
        [
            name,
            name.upper(),
            name.lower(),
            parts[0],
            parts[-1],
            name.replace("ü", "ue").replace("ø", "oe").replace("å", "aa"),
            name.replace("ü", "u").replace("ø", "o").replace("å", "a").replace("é", "e").replace("ñ", "n"),
            "  ".join(parts),
            name + "'s",
        ]
    )


def _bait(rng: random.Random, own: list[str]) -> str:
    who = rng.choice([*own, *own, *(r["name"] for r in ROSTER), *STRANGERS])
    return rng.choice(SENTENCES).format(p=_spelled(who, rng))


def _mutate(meta: dict[str, Any], rng: random.Random, own: list[str]) -> None:
    """Front-matter bait: free-text fields, owners, dates, tickets, prompts, review entries."""
    if rng.random() < 0.3:
        meta["title"] = meta["title"] + " after " + _bait(rng, own).rstrip(".")
    if rng.random() < 0.3:
        meta["summary"] = _bait(rng, own)
    elif rng.random() < 0.05:
        meta.pop("summary")
    if rng.random() < 0.2:
        meta["contributing_factors"].append(rng.choice(["human error", _bait(rng, own), "Operator mistake"]))
    if rng.random() < 0.2:
        meta["impact"]["description"] = _bait(rng, own)
    for item in meta["action_items"]:
        roll = rng.random()
        if roll < 0.08:
            item["owner"] = rng.choice(["payments team", "SRE", f"{own[0]} and {own[1]}", f"{own[0]}, {own[1]}"])
        elif roll < 0.12:
            item.pop("owner")
        elif roll < 0.16:
            item["owner"] = item["team"]
        if rng.random() < 0.1:
            item.pop("due")
        if rng.random() < 0.1:
            item.pop("ticket")
        if rng.random() < 0.1:
            item["title"] = rng.choice(["Be more careful", "Improve monitoring", "Investigate", "Double-check configs"])
        if rng.random() < 0.05:
            item["title"] = _bait(rng, own)
    if rng.random() < 0.1:
        meta["people"]["responders"].append(rng.choice(["Søren Ågård", "José Núñez", "Çağrı Yıldız", "Zoë"]))
    if rng.random() < 0.05:
        meta["lint"] = {"disable": rng.sample(["PM103", "PM201", "PM202", "PM305", "PM306", "PM401"], 2)}
    if rng.random() < 0.05:
        meta["imported"] = {"source": f"wiki-{rng.randrange(999)}", "review": ["severity: not in the source"]}
    if rng.random() < 0.03:
        meta["summary"] = "TODO: one or two sentences."
    if rng.random() < 0.05:
        meta["action_items"] = []


HOSTILE = [
    "---\ntitle: [unclosed\ndate: 2024-01-01\n---\n\nDana forgot.\n",
    "---\ntitle: ok\n  bad: indent\n---\n\n## Summary\n\nThe root cause was human error.\n",
    "no front matter at all\n\nBob forgot the flag.\n",
    "---\ntitle: never closed\ndate: 2024-01-01\n",
    "---\ntitle: Dup\ntitle: Dup again\ndate: 2024-01-01\nseverity: SEV3\nsummary: x\n---\n\n## Summary\n",
    "---\nbase: &b {title: Merged, severity: SEV3}\n<<: *b\ndate: 2024-01-01\nsummary: x\n---\n\n## Summary\n",
    "---\ntitle: !!binary aGVsbG8=\ndate: 2024-13-45\nseverity: SEV3\nsummary: x\n---\n\n## Summary\n",
    "---\ntitle: yes\ndate: 20240101\nseverity: SEV3\nsummary: 12:30\nstatus: no\n---\n\n## Summary\n",
    "---\n- a list\n- not a mapping\n---\n\nSam forgot.\n",
    "---\ntitle: !custom tag\ndate: 2024-01-01\nseverity: SEV3\nsummary: x\n---\n",
    "---\na: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\ntitle: aliases\n---\n",
    "---\n? [complex, key]\n: value\ntitle: t\n---\n",
    "---\ntitle: Tab\tand \x07 bell\n---\n",
    "---\n" + "a:\n" * 1 + "  " * 1 + "[" * 40 + "]" * 40 + "\n---\n",
    "---\ntitle: Times\ndate: 2024-01-01\nseverity: SEV3\nsummary: x\nstarted: 2024-01-01T10:00:00Z\n"
    "detected: 2024-01-01T09:00:00Z\nresolved: 2024-01-01 08:00\n---\n\n## Summary\n",
    "---\ntitle: Owner list\ndate: 2024-01-01\nseverity: SEV1\nsummary: x\naction_items:\n  - title: Fix\n"
    "    owner: [A, B]\n  - owner: Dana\n  - 5\nrelated: [nope]\npeople: {responders: Dana, scribe: [x]}\n"
    "---\n\nDana broke it.\n",
]


def write(root: Path, count: int = 300, seed: int = 7) -> None:
    docs = root / "postmortems"
    docs.mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Archive\n", encoding="utf-8")
    (root / "people.yml").write_text(yaml.safe_dump(ROSTER, allow_unicode=True), encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: Lint corpus\ndocs_dir: postmortems\ntheme: {name: material}\n"
        "plugins:\n  - postmortems:\n      today: '2026-11-23'\n      redact: {roster: people.yml}\n",
        encoding="utf-8",
    )
    for index in range(count):
        path, text = postmortem(index, seed)
        rng = random.Random(f"bait:{seed}:{index}")
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        own = [meta["people"]["incident_commander"], meta["people"]["scribe"], *meta["people"]["responders"]]
        _mutate(meta, rng, own)
        lines = body.split("\n")
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(lines))
            lines.insert(at, _bait(rng, own))
        if rng.random() < 0.05:  # a required section gone
            lines = [line for line in lines if line != "## Timeline"]
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"---\n{front}---\n" + "\n".join(lines), encoding="utf-8")
    hostile = docs / "2024"  # where the include globs find them
    hostile.mkdir(exist_ok=True)
    for index, text in enumerate(HOSTILE):
        (hostile / f"2024-01-{index + 1:02d}-hostile.md").write_text(text, encoding="utf-8")
    (hostile / "2024-02-01-latin1.md").write_bytes("---\ntitle: caf\xe9\n---\n\nBob forgot.\n".encode("latin-1"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args(argv)
    write(args.root, args.count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
