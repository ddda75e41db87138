"""Realistic synthetic postmortems for benchmarks and scale tests.

    from benchmarks.synthetic import write_archive
    write_archive(Path("docs"), 1000)            # docs/<year>/<date>-<slug>-<n>.md + index.md

    python benchmarks/synthetic.py DOCS_DIR --count 1000 [--seed 42]

Each postmortem fills every front-matter field (patterns, tags, timestamps,
impact, every people role, about three action items with owner, due date,
status, type, priority and a ticket id unique in the archive) and has 300-1,500
words of prose drawn from a vocabulary of a few thousand words with a Zipf-like
distribution, so search indexes see a realistic number of distinct words.
Service names carry hyphens (`payments-api`), ticket ids look like PAY-1234 and
people come from a pool of 200 "Given Surname" names. Dates spread over eight
years (2018-2025); about 1% are drafts.

Deterministic: postmortem `index` depends only on (seed, index), so the archive
of 100 is the first 100 files of the archive of 1,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import yaml

FIRST_DATE = dt.date(2018, 1, 1)
DAYS = (dt.date(2025, 12, 31) - FIRST_DATE).days
TODAY = "2026-11-23"  # the benchmarks' fixed "today" (some items overdue, most closed)
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
SEVERITY_WEIGHTS = (5, 20, 45, 30)

# Teams own a domain; services are <domain>-<component>; ticket prefixes come from the team.
TEAMS = {
    "payments": "PAY",
    "checkout": "CHK",
    "search": "SRCH",
    "identity": "IDN",
    "billing": "BIL",
    "storage": "STO",
    "networking": "NET",
    "platform": "PLAT",
    "data-pipeline": "DATA",
    "notifications": "NOTIF",
    "mobile": "MOB",
    "web-frontend": "WEB",
    "ads": "ADS",
    "catalog": "CAT",
    "fulfilment": "FUL",
    "observability": "OBS",
    "security": "SEC",
    "messaging": "MSG",
    "recommendations": "REC",
    "inventory": "INV",
    "accounts": "ACC",
    "edge": "EDGE",
    "ml-platform": "ML",
    "developer-tools": "DEV",
    "reporting": "REP",
}
COMPONENTS = (
    "api",
    "worker",
    "db",
    "gateway",
    "cache",
    "scheduler",
    "indexer",
    "web",
    "queue",
    "proxy",
    "sync",
    "auth",
    "batch",
    "stream",
    "router",
)
TAGS = (
    "database",
    "failover",
    "latency",
    "dns",
    "tls",
    "kubernetes",
    "deploy",
    "rollback",
    "config",
    "feature-flag",
    "cache",
    "memory",
    "cpu",
    "disk-full",
    "network-partition",
    "load-balancer",
    "cdn",
    "queue-backlog",
    "replication-lag",
    "timeouts",
    "retries",
    "rate-limiting",
    "third-party",
    "cloud-provider",
    "data-loss",
    "data-corruption",
    "migration",
    "schema-change",
    "certificates",
    "credentials",
    "permissions",
    "alerting",
    "paging",
    "runbook",
    "capacity",
    "autoscaling",
    "cron",
    "batch-job",
    "mobile-release",
    "browser",
    "payments-provider",
    "email",
    "sms",
    "webhooks",
    "search-index",
    "storage",
    "backup",
    "restore",
    "clock-skew",
    "leap-second",
    "ipv6",
    "bgp",
    "firewall",
    "ddos",
    "security-incident",
    "gdpr",
    "customer-facing",
    "internal-only",
    "on-call",
    "observability",
)
PATTERNS = (
    "config-change",
    "bad-release",
    "capacity",
    "cascading-failure",
    "dependency-failure",
    "certificate-expiry",
    "clock",
    "dns",
    "data-corruption",
    "retry-storm",
    "failover",
    "hardware",
    "security",
    "expired-credentials",
    "quota-limit",
    "migration",
)


def _words(text: str) -> list[str]:
    return text.split()


GIVEN = _words(
    "Dana Lee Sam Ana Priya Jonas Mei Tomás Aisha Noah Olga Kenji Fatima Lucas Ingrid Omar Chloe Ravi "
    "Zofia Mateo Hannah Kwame Yuki Elena Felix Amara Diego Sofia Arjun Nora"
)
SURNAMES = _words(
    "Smith Wong Park Lopez Müller Okafor Tanaka Novak Haddad Silva Kowalski Nguyen Andersen Rossi Dubois "
    "O'Brien Petrov Chen Garcia Ivanova Nakamura Mensah Fischer Costa Kaur"
)
PEOPLE = sorted(f"{g} {s}" for g, s in itertools.product(GIVEN, SURNAMES))[::3][:200]
STATUSES = ("open", "in-progress", "done", "wont-fix")
ACTION_TYPES = ("mitigation", "process", "tooling", "architecture", "monitoring")
PRIORITIES = ("P0", "P1", "P2", "P3")
SYMPTOMS = (
    "outage",
    "elevated error rates",
    "degraded latency",
    "partial outage",
    "stale data",
    "failed writes",
    "dropped messages",
    "login failures",
    "duplicate charges",
    "missing notifications",
    "slow page loads",
    "search results missing",
)
CAUSES = (
    "database failover",
    "a configuration change",
    "a bad deploy",
    "certificate expiry",
    "a traffic spike",
    "a provider incident",
    "a schema migration",
    "a DNS change",
    "a retry storm",
    "disk exhaustion",
    "a network partition",
    "an expired credential",
    "a cron job overlap",
    "a cache stampede",
    "a quota limit",
)
# A few hundred real words: the frequent head of the vocabulary.
COMMON = _words(
    """the of and to a in that is was for on with as it by at from this were be an or are which
after before during when while because so but not all more than then also into about over under between
we our they their it its there these those each every some any other new first last same different
service request requests latency traffic database replica primary node nodes cluster region
zone deploy deployment release change config configuration flag rollout rollback alert alerts page paged
on-call engineer engineers responder responders incident impact customer customers users user team teams
system systems queue queues worker workers job jobs cache memory disk cpu connection connections pool pools
timeout timeouts retry retries load balancer proxy gateway upstream downstream dependency dependencies
certificate certificates token tokens credential credentials key keys secret secrets dns record records
network packet packets route routes partition partitions leader follower election lag replication write
writes read reads query queries index indexes schema migration migrations backup backups restore snapshot
metric metrics dashboard dashboards log logs trace traces sample samples threshold thresholds limit limits
quota quotas capacity scale scaling autoscaler instance instances container containers pod pods host hosts
storage bucket buckets object objects file files volume volumes mount api endpoint endpoints client clients
server servers version versions build builds pipeline pipelines test tests canary staging production
window minutes hours seconds time timeline detection mitigation resolution recovery cause causes
contributing factor factors condition conditions signal signals symptom symptoms investigation hypothesis
evidence observed noticed confirmed identified escalated declared mitigated resolved restored recovered
increased decreased dropped rose fell spiked saturated exhausted blocked succeeded started stopped
restarted drained shifted moved rolled paused resumed disabled enabled reverted patched upgraded migrated
expected unexpected slow slower fast faster high higher low lower full empty stale healthy unhealthy
manual automatic automated partial complete intermittent persistent transient gradual sudden
runbook procedure process review approval ownership handoff communication status update updates message
messages channel incident-commander scribe facilitator summary details context background analysis
because therefore however although meanwhile eventually initially finally later earlier soon already
still only even just nearly roughly about around approximately several many few most less least
percent rate rates volume peak baseline average median tail p99 budget objective availability reliability
consistency durability throughput backlog pressure contention lock locks deadlock thread threads heap
garbage collection pause pauses spike spikes storm herd stampede cascade fallback circuit breaker
isolation bulkhead shard shards tenant tenants account accounts order orders payment payments checkout
cart search catalog inventory notification notifications email sms push webhook webhooks feed report
reports export exports import imports sync batch stream streams event events topic topics consumer
consumers producer producers offset offsets commit commits transaction transactions rollback-plan
"""
)
ACTION_VERBS = (
    "Alert on",
    "Add a runbook for",
    "Automate",
    "Load-test",
    "Add a timeout to",
    "Stage rollouts of",
    "Document",
    "Remove the manual step in",
)
ACTION_OBJECTS = (
    "failover",
    "retries",
    "config rollout",
    "certificate renewal",
    "queue backlog",
    "connection pool",
    "cache warm-up",
    "schema migration",
)
TIMELINE_VERBS = ("paged", "noticed", "rolled back", "declared", "escalated", "confirmed")
SYLLABLES = _words(
    "ka ri to mu se la no vi ta re po li sa me ku ne do ha zi ro be ga fu te mi lo da ve na si pe ar en "
    "or ul is et an om ex in ur al ab ob ic um"
)


def _vocabulary(size: int = 3000) -> list[str]:
    """COMMON words first (the frequent head), then made-up words: a long tail of distinct terms."""
    words = list(dict.fromkeys(COMMON))
    seen = set(words)
    rng = random.Random(7)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


VOCABULARY = _vocabulary()
# Zipf-like: the word of rank r appears with weight 1 / r^1.05.
CUM_WEIGHTS = list(itertools.accumulate(1 / (rank**1.05) for rank in range(1, len(VOCABULARY) + 1)))
SERVICES = [f"{team}-{component}" for team in TEAMS for component in COMPONENTS[:5]] + [
    f"{team}-{component}" for team in list(TEAMS)[:10] for component in COMPONENTS[5:]
]


class _Dumper(yaml.SafeDumper):
    """No &anchors/*aliases when two fields hold the same date: people do not write those."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _rng(seed: int, index: int, part: str) -> random.Random:
    return random.Random(f"{seed}:{index}:{part}")


def identity(index: int, seed: int = 42) -> tuple[str, dt.date, bool]:
    """(id, date, is draft) of postmortem `index`, cheap to compute for `related:` links; the file is <year>/<id>.md."""
    rng = _rng(seed, index, "id")
    date = FIRST_DATE + dt.timedelta(days=rng.randrange(DAYS + 1))
    slug = f"{rng.choice(list(TEAMS))}-{rng.choice(('outage', 'degradation', 'errors', 'latency', 'incident'))}"
    draft = rng.random() < 0.01
    return f"{date.isoformat()}-{slug}-{index:05d}", date, draft


def _sentence(rng: random.Random, extras: list[str]) -> str:
    words = rng.choices(VOCABULARY, cum_weights=CUM_WEIGHTS, k=rng.randint(7, 22))
    if extras and rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), rng.choice(extras))
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + "."


def _paragraph(rng: random.Random, extras: list[str], sentences: int) -> str:
    return " ".join(_sentence(rng, extras) for _ in range(sentences))


def postmortem(index: int, seed: int = 42) -> tuple[str, str]:
    """(path under docs_dir, file text) of synthetic postmortem `index`."""
    pm_id, date, draft = identity(index, seed)
    rng = _rng(seed, index, "body")
    teams = rng.sample(list(TEAMS), rng.choice((1, 1, 1, 2, 2, 3)))
    own = [s for s in SERVICES if s.startswith(teams[0] + "-")]
    services = rng.sample(own, min(len(own), rng.randint(1, 2))) + rng.sample(SERVICES, rng.randint(0, 2))
    services = list(dict.fromkeys(services))
    severity = rng.choices(SEVERITIES, weights=SEVERITY_WEIGHTS)[0]
    started = dt.datetime.combine(date, dt.time(rng.randrange(24), rng.randrange(60)), tzinfo=dt.UTC)
    detected = started + dt.timedelta(minutes=rng.randrange(1, 90))
    mitigated = detected + dt.timedelta(minutes=rng.randrange(5, 300))
    resolved = mitigated + dt.timedelta(minutes=rng.randrange(5, 900))
    minutes = int((mitigated - started).total_seconds() // 60)
    people = rng.sample(PEOPLE, 7)
    symptom, cause = rng.choice(SYMPTOMS), rng.choice(CAUSES)
    title = f"{services[0]} {symptom} after {cause}"
    share = rng.randrange(1, 60)
    summary = f"{services[0]} had {symptom} for {minutes} minutes after {cause}; {share}% of requests were affected."
    items = []
    for j in range(rng.choice((2, 3, 3, 3, 4))):
        due = date + dt.timedelta(days=rng.choice((14, 30, 30, 60, 90)))
        age_days = (dt.date.fromisoformat(TODAY) - due).days
        closed_odds = 0.9 if age_days > 365 else 0.6 if age_days > 0 else 0.3
        closed = rng.random() < closed_odds
        status = rng.choice(("done", "done", "done", "wont-fix") if closed else ("open", "in-progress"))
        team = rng.choice(teams)
        items.append(
            {
                "title": f"{rng.choice(ACTION_VERBS)} {rng.choice(services)} {rng.choice(ACTION_OBJECTS)}",
                "owner": rng.choice(PEOPLE),
                "team": team,
                "due": due,
                "status": status,
                "type": rng.choice(ACTION_TYPES),
                "priority": rng.choices(PRIORITIES, weights=(1, 3, 5, 3))[0],
                "ticket": f"{TEAMS[team]}-{index * 10 + j + 1000}",
                "completed": min(due, date + dt.timedelta(days=rng.randrange(3, 120))) if status == "done" else None,
            }
        )
    related = []
    if index and rng.random() < 0.2:
        other, _, other_draft = identity(rng.randrange(index), seed)
        if not other_draft:
            related.append(other)
    meta = {
        "title": title,
        "date": date,
        "severity": severity,
        "status": "draft" if draft else rng.choice(("final",) * 9 + ("in-review",)),
        "summary": summary,
        "services": services,
        "teams": teams,
        "tags": rng.sample(TAGS, rng.randint(1, 5)),
        "patterns": rng.sample(PATTERNS, rng.randint(1, 3)),
        "contributing_factors": [f"{rng.choice(CAUSES).capitalize()} in {rng.choice(services)}" for _ in range(2)],
        "started": started,
        "detected": detected,
        "mitigated": mitigated,
        "resolved": resolved,
        "impact": {
            "users": rng.randrange(10, 500_000),
            "revenue": rng.randrange(0, 200_000),
            "description": f"{symptom.capitalize()} for {minutes} minutes for customers of {services[0]}.",
        },
        "trigger": f"https://git.example.com/{teams[0]}/{services[0]}/pull/{rng.randrange(100, 9999)}",
        "people": {
            "incident_commander": people[0],
            "scribe": people[1],
            "facilitator": people[2],
            "responders": people[3:6],
            "authors": [people[0], people[6]],
        },
        "action_items": items,
        "related": related,
    }
    extras = [*services, *(i["ticket"] for i in items), *people[:4]]
    # 300-1,500 words: a word budget split over the sections.
    sentences = rng.randint(12, 76)
    share = [max(1, round(sentences * f)) for f in (0.15, 0.2, 0.4, 0.15, 0.1)]
    steps = sorted(started + dt.timedelta(minutes=rng.randrange(0, 600)) for _ in range(rng.randint(5, 12)))
    timeline = "\n".join(
        f"| {when:%H:%M} | {rng.choice(people[:6])} {rng.choice(TIMELINE_VERBS)} "
        f"{rng.choice(services)}: {_sentence(rng, extras)} |"
        for when in steps
    )
    body = f"""
## Summary

{summary} {_paragraph(rng, extras, share[0])}

## Impact

{meta["impact"]["description"]} {_paragraph(rng, extras, share[1])}

## Timeline

| Time (UTC) | Event |
|---|---|
{timeline}

## Contributing factors

{_paragraph(rng, extras, share[2] // 2)}

{_paragraph(rng, extras, share[2] - share[2] // 2)}

## What went well

{_paragraph(rng, extras, share[3])}

## Where we got lucky

{_paragraph(rng, extras, share[4])}
"""
    front = yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    return f"{date.year}/{pm_id}.md", f"---\n{front}---\n{body}"


def postmortems(count: int, seed: int = 42) -> Iterator[tuple[str, str]]:
    for index in range(count):
        yield postmortem(index, seed)


def write_archive(docs_dir: Path, count: int, seed: int = 42) -> None:
    """Write `count` synthetic postmortems (and an index.md) under docs_dir."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    index = "# Incident archive\n\nSynthetic postmortems for benchmarks.\n"
    (docs_dir / "index.md").write_text(index, encoding="utf-8")
    made: set[Path] = set()
    for path, text in postmortems(count, seed):
        target = docs_dir / path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docs_dir", type=Path)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    write_archive(args.docs_dir, args.count, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
