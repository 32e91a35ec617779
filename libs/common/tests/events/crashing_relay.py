"""Run as a subprocess by test_faults: an outbox relay that publishes one batch and is
then killed with SIGKILL at the worst moment — after Kafka acknowledged the batch,
before the rows are marked published."""

import asyncio
import os
import signal
import sys

from enforcement_common.db import create_engine
from enforcement_common.events import OutboxRelay


class KilledBeforeMarking(OutboxRelay):
    async def _mark_published(self, connection, ids):
        print(f"published {len(ids)}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


async def main(database_url: str, bootstrap: str) -> None:
    relay = KilledBeforeMarking(create_engine(database_url), bootstrap, service="events-test")
    await relay.publish_pending()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
