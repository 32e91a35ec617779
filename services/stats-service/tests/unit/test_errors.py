"""stats-service's error catalogue declares every problem code its source raises."""

from pathlib import Path

import stats_service
from enforcement_common.testing.catalogue import assert_catalogue_covers, codes_in_source
from stats_service.errors import CATALOGUE


def test_every_problem_code_in_the_source_is_in_the_catalogue_with_its_status() -> None:
    assert codes_in_source(Path(stats_service.__file__).parent)
    assert_catalogue_covers(Path(stats_service.__file__).parent, CATALOGUE)


def test_every_entry_has_both_titles() -> None:
    assert all(entry.title_zh and entry.title_en for entry in CATALOGUE)
