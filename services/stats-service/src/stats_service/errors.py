"""stats-service's error catalogue: every problem code it answers, with status, titles and basis.

Raise a problem from its entry (``raise errors.PROJECTION_BEHIND("…")``); the app factory
renders the entry's title. A test checks that every code in the source is declared here."""

from __future__ import annotations

from enforcement_common.api.errors import ErrorCatalogue, ErrorCode

# as_of (CONTRACT.md stats-service)
PROJECTION_BEHIND = ErrorCode(
    "stats.projection_behind", 409, "统计数据尚未达到所要求的事件位置", "The projection is behind the positions asked"
)
INVALID_POSITIONS = ErrorCode("stats.invalid_positions", 422, "事件位置格式不正确", "Invalid min_positions")
INVALID_PERIOD = ErrorCode("stats.invalid_period", 422, "统计期间不正确", "Invalid period")

# Reports (STAT-4, STAT-6)
REPORT_ALREADY_SUBMITTED = ErrorCode(
    "report.already_submitted", 409, "报表已报送", "Report already submitted", ("STAT-4",)
)
REPORT_INVALID_DATE = ErrorCode("report.invalid_date", 422, "报送日期不合法", "Invalid submission date", ("STAT-4",))
REPORT_FORMAT_NOT_ACCEPTABLE = ErrorCode(
    "report.not_acceptable", 406, "不支持的导出格式", "Export format not acceptable"
)

# Rebuild and reconciliation
REBUILD_RUNNING = ErrorCode("rebuild.already_running", 409, "已有重建正在进行", "A rebuild is already running")
RECONCILIATION_SOURCE_UNAVAILABLE = ErrorCode(
    "reconciliation.source_unavailable", 424, "案件服务暂不可用", "case-service's counts are unavailable"
)

CATALOGUE = ErrorCatalogue.collect(globals())
