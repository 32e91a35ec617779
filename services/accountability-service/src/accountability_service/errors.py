"""accountability-service's error catalogue: every problem code it answers, with status, titles and basis.

Raise a problem from its entry (``raise errors.OUTSIDE_SCOPE("…")``); the app factory renders the
entry's title (zh-CN, or English on ``Accept-Language: en``). A test checks that every code in
the source is declared here.
"""

from __future__ import annotations

from enforcement_common.api.errors import ErrorCatalogue, ErrorCode

# Error cases (ERR-*)
OUTSIDE_SCOPE = ErrorCode(
    "error_case.outside_scope", 422, "仅行政处罚、行政许可案件适用错案追究", "Not a penalty or license case", ("ERR-2",)
)
INVALID_TRANSITION = ErrorCode(
    "error_case.invalid_transition", 409, "错案当前状态不允许该操作", "Not possible in the current state", ("ERR-10",)
)
INVALID_DATE = ErrorCode("accountability.invalid_date", 422, "日期不合法", "Invalid date")
TEAM_MEMBER_IS_RESPONDENT = ErrorCode(
    "error_case.team_member_is_respondent",
    422,
    "调查组成员不得为被调查人员",
    "A respondent cannot investigate",
    ("ERR-10",),
)
NO_FINDINGS = ErrorCode(
    "error_case.no_findings", 422, "处理决定所列人员须有调查认定", "Respondent without findings", ("ERR-10",)
)
DEPARTS_WITHOUT_REASONS = ErrorCode(
    "error_case.departs_without_reasons",
    422,
    "处理方式与调查认定的建议不一致，须说明理由",
    "A handling other than the proposal needs reasons",
    ("ERR-8", "ERR-9"),
)
SANCTION_REFUSED = ErrorCode("error_case.sanction_refused", 422, "该追究方式不予适用", "Sanction refused", ("ERR-11",))
REINVESTIGATION_WINDOW_CLOSED = ErrorCode(
    "error_case.reinvestigation_window_closed",
    422,
    "处理决定作出已逾1个月，不得责令重新调查",
    "Re-investigation only within one month of the determination",
    ("ERR-10",),
)
NOT_THE_RESPONDENT = ErrorCode(
    "appeal.not_the_respondent", 403, "仅被追究人员本人可陈述申辩或申诉", "Only the respondent may appeal", ("ERR-12",)
)
APPEAL_DECIDED = ErrorCode("appeal.already_decided", 409, "申诉已作出决定", "Appeal already decided", ("ERR-12",))
APPEAL_PENDING = ErrorCode("appeal.pending", 409, "已有待决定的申诉", "An appeal is pending", ("ERR-12",))

# Interference register (INT-*)
NOT_A_HANDLER = ErrorCode(
    "interference.not_a_handler", 403, "应由本案办案人员记录", "Only a handler of the case records", ("INT-3",)
)
INVALID_INTERVENER = ErrorCode(
    "interference.invalid_intervener",
    422,
    "干预人应为内部人员",
    "The intervener must be internal personnel",
    ("INT-2",),
)
APPEND_ONLY = ErrorCode(
    "interference.append_only",
    405,
    "干预记录只增不改，更正请新增记录",
    "Append-only: correct with a new record",
    ("INT-3",),
)
NOT_INTERFERENCE = ErrorCode(
    "interference.not_interference",
    422,
    "正当指导或正常了解案情不属于干预，不予通报或移送",
    "Legitimate guidance or a normal inquiry is not interference",
    ("INT-13",),
)
REPORT_ALREADY_SUBMITTED = ErrorCode(
    "interference_report.already_submitted", 409, "该季度报告已报送", "Report already submitted", ("INT-3",)
)
REPORT_PERIOD_OPEN = ErrorCode(
    "interference_report.period_open", 422, "季度尚未结束", "The quarter has not ended", ("INT-3",)
)
REPORT_ZERO_WITH_RECORDS = ErrorCode(
    "interference_report.zero_with_records",
    422,
    "本季度有干预记录，不得零报告",
    "Records exist for the quarter: no zero report",
    ("INT-3",),
)

CATALOGUE = ErrorCatalogue.collect(globals())
