"""aiokafka's reconnect messages throttled (issue 15: quiet, bounded logging during outages): pure."""

from __future__ import annotations

import logging

from enforcement_common.observability import RepeatThrottle


def _record(msg: str, name: str = "aiokafka", level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, ("x",), None)


def test_one_record_of_a_kind_per_interval_and_the_next_names_how_many_were_held() -> None:
    now = [0.0]
    throttle = RepeatThrottle(interval=30, clock=lambda: now[0])
    passed = []
    for step in range(3000):  # 1000 a second for 3 s, as a Kafka outage produced
        now[0] = step / 1000
        record = _record("Unable connect to node with id %s")
        if throttle.filter(record):
            passed.append(record)
    assert len(passed) == 1
    now[0] = 31.0
    later = _record("Unable connect to node with id %s")
    assert throttle.filter(later)
    assert "2999 more like this" in later.getMessage()


def test_kinds_are_apart_by_logger_level_and_template() -> None:
    throttle = RepeatThrottle(interval=30, clock=lambda: 0.0)
    assert throttle.filter(_record("Unable connect %s"))
    assert throttle.filter(_record("Unable to update metadata %s"))
    assert throttle.filter(_record("Unable connect %s", name="aiokafka.conn"))
    assert throttle.filter(_record("Unable connect %s", level=logging.WARNING))
    assert not throttle.filter(_record("Unable connect %s"))
