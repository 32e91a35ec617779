"""review-service on its seeded world (two sibling townships): the authorization matrix over
every operation and role, and the seed's events checked against the contract and replayed."""

from enforcement_common.testing.inherited import SeededWorldChecks


class TestSeededWorld(SeededWorldChecks):
    pass
