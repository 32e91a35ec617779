"""Replay equals live: a randomized workload of every service's events published to the real
Kafka (redeliveries, copies published again, three partitions per topic interleaving), the
live projection fed by the real consumer runner, then a rebuild from offset 0 — crashed in
the middle and resumed — must switch to figures byte-identical to the live ones for every
unit and period."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select, text

from enforcement_common.auth.scope import register_unit_tree
from enforcement_common.contracts.accountability import ErrorCaseDecided, ErrorCaseOpened, Respondent, SanctionImposed
from enforcement_common.contracts.case import UNITS, CaseStageChanged, OfficerQualificationChanged
from enforcement_common.contracts.review import ReviewCompleted, ReviewObligationCreated, ReviewObligationExcluded
from enforcement_common.contracts.tolerance import ToleranceDecided
from enforcement_common.events import ConsumerRunner, build_envelope, encode_envelope
from enforcement_common.events.envelope import kafka_headers
from enforcement_common.testing.infra import kafka_bootstrap
from enforcement_common.testing.kit import headers
from enforcement_common.topics import EVENT_TOPICS
from stats_service import rules
from stats_service.admin import rebuild
from stats_service.admin.rebuild import topic_partitions
from stats_service.consumers import all_topics
from stats_service.models import Rebuild
from stats_service.projection.service import live_generation
from stats_service.stats import service as figures

OWNERS = {t.name: t.owner for t in EVENT_TOPICS}
PERIODS = ("2025", "2026", "2026Q1", "2026Q2", "2026H2", "2026-03")


def workload(world, rng: random.Random, n_cases: int = 60) -> tuple[list, list[uuid.UUID]]:
    """Events of every topic for a county with three townships, in an order a platform could publish them."""
    county = world.unit("随机县", region="141000")
    towns = [
        world.unit(
            f"乡镇{n}", county.unit_id, duties=rng.sample(rules.CATEGORIES, rng.randint(1, 6)), region=f"14102{n}"
        )
        for n in range(3)
    ]
    events: list = [county, *towns]
    officers = []
    for town in towns:
        for n in range(4):
            expires = date(2026, 1, 1) + timedelta(days=rng.randint(-400, 900))
            o = world.officer(
                town.unit_id,
                f"员{n}",
                expires_on=expires,
                staff_type=rng.choice(["established", "contract", "retired"]),
            )
            officers.append(o)
            events.append(o)
    for o in rng.sample(officers, 3):
        events.append(
            OfficerQualificationChanged(
                officer_id=o.officer_id,
                unit_id=o.unit_id,
                **{"from": "active", "to": "suspended"},
                reason="随机",
                basis=["REV-8"],
                effective_on=date(2026, rng.randint(1, 12), 1),
            )
        )
    for _ in range(4):
        people = rng.sample(officers, rng.randint(1, 5))
        town = rng.choice(towns)
        events.append(
            world.training(
                [p.officer_id for p in people],
                kind=rng.choice(["attended", "held"]),
                organizer=town.unit_id,
                start=date(2026, rng.randint(1, 12), 5),
                hours=rng.choice([2, 3.5, 8]),
            )
        )
    for _ in range(n_cases):
        town = rng.choice(towns)
        lead = rng.choice([o for o in officers if o.unit_id == town.unit_id])
        filed_on = date(2025, 11, 1) + timedelta(days=rng.randint(0, 420))
        case = world.case(town.unit_id, lead.officer_id, filed_on=filed_on, category=rng.choice(rules.CATEGORIES))
        events.append(case)
        events.append(
            CaseStageChanged(case_id=case.case_id, unit_id=town.unit_id, **{"from": "filed", "to": "investigating"})
        )
        if rng.random() < 0.7:
            decided_on = filed_on + timedelta(days=rng.randint(0, 60))
            kinds = rng.sample(sorted(rules.PENALTY_CLASS), rng.randint(0, 3)) if case.category == "penalty" else []
            fine = f"{rng.randint(0, 200000)}.{rng.randint(0, 99):02d}" if rng.random() < 0.6 else None
            events.append(
                world.decided(case, decided_on, kinds=kinds, fine=fine, hearing=rng.random() < 0.2, confiscation=None)
            )
            if rng.random() < 0.8:
                closed_on = decided_on + timedelta(days=rng.randint(0, 30))
                events.append(world.closed(case, closed_on, fine=fine))
                obligation = ReviewObligationCreated(
                    obligation_id=uuid.uuid4(),
                    case_id=case.case_id,
                    unit_id=town.unit_id,
                    lead_handler_id=lead.officer_id,
                    basis=["REV-5"],
                    closed_on=closed_on,
                    due_on=closed_on + timedelta(days=30),
                )
                events.append(obligation)
                if rng.random() < 0.2:
                    events.append(
                        ReviewObligationExcluded(
                            obligation_id=obligation.obligation_id,
                            case_id=case.case_id,
                            unit_id=town.unit_id,
                            lead_handler_id=lead.officer_id,
                            basis=["REV-12"],
                            remedy_id=uuid.uuid4(),
                            reason="诉讼",
                        )
                    )
                elif rng.random() < 0.6:
                    events.append(
                        ReviewCompleted(
                            review_id=uuid.uuid4(),
                            case_id=case.case_id,
                            unit_id=town.unit_id,
                            kind="self",
                            grade=rng.choice(["excellent", "qualified", "unqualified"]),
                            score=rng.randint(0, 100),
                            lead_handler_id=lead.officer_id,
                            handler_ids=[lead.officer_id],
                        )
                    )
        if rng.random() < 0.15:
            other = rng.choice([o for o in officers if o.unit_id == town.unit_id])
            error_case = uuid.uuid4()
            events += [
                ErrorCaseOpened(
                    error_case_id=error_case, unit_id=town.unit_id, case_id=case.case_id, source="complaint"
                ),
                ErrorCaseDecided(
                    error_case_id=error_case,
                    unit_id=town.unit_id,
                    case_id=case.case_id,
                    is_error_case=True,
                    decided_on=filed_on + timedelta(days=90),
                    respondents=[
                        Respondent(
                            officer_id=lead.officer_id,
                            handling="h",
                            sanctions=["written_self_criticism"],
                            tolerated=False,
                        ),
                        Respondent(officer_id=other.officer_id, handling="h", sanctions=[], tolerated=False),
                    ],
                ),
                SanctionImposed(
                    error_case_id=error_case,
                    officer_id=lead.officer_id,
                    unit_id=town.unit_id,
                    sanctions=["written_self_criticism"],
                    effective_on=filed_on + timedelta(days=91),
                ),
            ]
            if rng.random() < 0.5:
                events.append(
                    ToleranceDecided(
                        application_id=uuid.uuid4(),
                        unit_id=town.unit_id,
                        officer_ids=[other.officer_id],
                        case_id=case.case_id,
                        outcome=rng.choice(["exempted", "due_diligence", "mitigated", "rejected"]),
                        mitigation_kind=None,
                        decided_on=filed_on + timedelta(days=80),
                        notify_due_on=filed_on + timedelta(days=87),
                        basis=["TOL-11"],
                    )
                )
    return events, [county.unit_id, *(t.unit_id for t in towns)]


async def publish(events: list, rng: random.Random, duplicate_share: float = 0.1) -> int:
    """Publish every event (key = aggregate id) and some again — a copy of the same event id."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), enable_idempotence=True, acks="all")
    await producer.start()
    count = 0
    try:
        for event in events:
            envelope = build_envelope(event, source=OWNERS[event.topic])
            copies = 2 if rng.random() < duplicate_share else 1
            for _ in range(copies):
                await producer.send(
                    event.topic,
                    encode_envelope(envelope),
                    key=envelope.subject.encode(),
                    headers=list(kafka_headers(envelope)),
                )
                count += 1
        await producer.flush()
    finally:
        await producer.stop()
    return count


async def end_offsets() -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap(), group_id=f"stats-test-ends-{uuid.uuid4()}", enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(topic_partitions())
        return await consumer.end_offsets(topic_partitions())
    finally:
        await consumer.stop()


class LiveConsumers:
    """stats-service's consumers as the app runs them: the projection and, in a consumer group
    of its own, the platform's unit tree (both read unit.*)."""

    def __init__(self, app, group: str) -> None:
        def runner(group_id: str, topics: list[str]) -> ConsumerRunner:
            return ConsumerRunner(
                service="stats-service",
                group_id=group_id,
                bootstrap_servers=kafka_bootstrap(),
                sessions=app.state.sessions,
                topics=topics,
                max_poll_records=500,
            )

        platform = runner(f"{group}.platform", [UNITS])
        register_unit_tree(platform)
        projection = runner(group, all_topics.TOPICS)
        all_topics.register(projection, app.state.settings)
        self.runners = [platform, projection]
        self.tasks = [asyncio.create_task(r.run()) for r in self.runners]

    async def caught_up(self, timeout: float = 240) -> None:
        ends = await end_offsets()
        deadline = asyncio.get_running_loop().time() + timeout
        for runner in self.runners:
            while any(
                runner._processed.get(tp, 0) < end for tp, end in ends.items() if end and tp.topic in runner.topics
            ):
                assert asyncio.get_running_loop().time() < deadline, "the live consumers did not catch up"
                await asyncio.sleep(0.2)

    async def stop(self) -> None:
        for runner in self.runners:
            runner.stop()
        await asyncio.gather(*self.tasks)


async def consume_live_until_caught_up(app, group: str) -> LiveConsumers:
    live = LiveConsumers(app, group)
    await live.caught_up()
    return live


async def all_figures(app, units: list[uuid.UUID]) -> str:
    """Every figure of every unit and period from the live generation, as one canonical JSON."""
    out = {}
    async with app.state.sessions() as session:
        gen = await live_generation(session)
        for unit in units:
            for period in PERIODS:
                start, end = rules.period_range(period)
                out[f"{unit}/{period}"] = {
                    "cases": [
                        await figures.case_figures(session, gen, unit, start, end, g)
                        for g in ("category", "unit", "month", "day")
                    ],
                    "training": await figures.training_figures(session, gen, unit, start, end),
                    "certificates": await figures.certificate_figures(session, gen, unit, end, "region"),
                    "reviews": await figures.review_figures(session, gen, unit, start, end),
                    "tolerance": await figures.tolerance_figures(session, gen, unit, start, end),
                    "accountability": await figures.accountability_figures(session, gen, unit, start, end),
                }
    return rules.canonical_json(out)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("seed", [14, 2026])
async def test_stat_replay_equals_live_and_a_crashed_rebuild_resumes_and_still_matches(app, client, world, seed):
    rng = random.Random(seed)
    first, units = workload(world, rng)
    await publish(first, rng)
    live = await consume_live_until_caught_up(app, f"stats-test-{uuid.uuid4()}")
    try:
        started = await client.post("/api/v1/admin/rebuild", headers=headers("admin"))
        assert started.status_code == 202, started.text
        rebuild_id = uuid.UUID(started.json()["id"])
        again = await client.post("/api/v1/admin/rebuild", headers=headers("admin"))
        assert again.status_code == 409 and again.json()["code"] == "rebuild.already_running"
        # the rebuild crashes after two small batches …
        status = await rebuild.run(
            app.state.engine, app.state.sessions, kafka_bootstrap(), rebuild_id, batch_size=40, max_batches=2
        )
        assert status == "running"
        progress = (await client.get(f"/api/v1/admin/rebuild/{rebuild_id}", headers=headers("admin"))).json()
        assert progress["status"] == "running" and progress["events_done"] > 0 and progress["targets"]
        assert progress["records_remaining"] > 0
        # … while the live projection keeps serving new events
        second, _ = workload(world, rng, n_cases=15)
        await publish(second, rng)
        await live.caught_up()
    finally:
        await live.stop()
    live = await all_figures(app, units)
    status = await rebuild.run(app.state.engine, app.state.sessions, kafka_bootstrap(), rebuild_id, batch_size=500)
    assert status == "switched"
    done = (await client.get(f"/api/v1/admin/rebuild/{rebuild_id}", headers=headers("admin"))).json()
    assert done["differences"] == [], done["differences"]
    assert done["events_per_second"] and done["finished_at"]
    async with app.state.sessions() as session:
        assert await live_generation(session) == done["gen"]
        assert await session.scalar(select(func.count()).select_from(Rebuild).where(Rebuild.status == "running")) == 0
    assert await all_figures(app, units) == live
    # and the figures are not empty: the workload was counted
    totals = (
        await client.get(
            "/api/v1/stats/cases",
            params={"unit_id": str(units[0]), "from": "2025-01-01", "to": "2027-12-31"},
            headers=headers("admin"),
        )
    ).json()["totals"]
    assert totals["filed"] >= 60 and Decimal(totals["fines_total"]) > 0


async def test_a_rebuild_with_the_projection_drifted_reports_the_difference_and_switches_to_the_replay(
    app, client, world
):
    rng = random.Random(7)
    events, units = workload(world, rng, n_cases=10)
    # A record that is no event on a topic the rebuild reads from offset 0 (the live consumer
    # dead-letters it): the replay counts nothing for it and goes on.
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap())
    await producer.start()
    try:
        await producer.send_and_wait("enforcement.cases.v1", b'{"n": 0, "not": "an event"}', key=b"noise")
    finally:
        await producer.stop()
    await publish(events, rng, duplicate_share=0)
    live = await consume_live_until_caught_up(app, f"stats-test-{uuid.uuid4()}")
    await live.stop()
    async with app.state.sessions() as session, session.begin():
        await session.execute(text("UPDATE stat_counters SET value = value + 1 WHERE measure = 'filed'"))
    started = (await client.post("/api/v1/admin/rebuild", headers=headers("admin"))).json()
    status = await rebuild.run(
        app.state.engine, app.state.sessions, kafka_bootstrap(), uuid.UUID(started["id"]), batch_size=500
    )
    assert status == "switched"
    done = (await client.get(f"/api/v1/admin/rebuild/{started['id']}", headers=headers("admin"))).json()
    assert [d["table"] for d in done["differences"]] == ["stat_counters"]
    # the replayed counters are the events' own: filed equals the cases published for the county
    body = (
        await client.get(
            "/api/v1/stats/cases",
            params={"unit_id": str(units[0]), "from": "2025-01-01", "to": "2027-12-31"},
            headers=headers("admin"),
        )
    ).json()
    assert body["totals"]["filed"] == sum(1 for e in events if e.type == "case.filed")
