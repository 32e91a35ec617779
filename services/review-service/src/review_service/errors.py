"""review-service's error catalogue: every problem code it answers, with status, titles and basis.

Raise a problem from its entry (``raise errors.CASE_EXCLUDED("…")``); the app factory renders
the entry's title (zh-CN, or English on ``Accept-Language: en``). A test checks that every
code in the source is declared here.
"""

from __future__ import annotations

from enforcement_common.api.errors import ErrorCatalogue, ErrorCode

# Obligations (REV-5)
OBLIGATION_NOT_THE_HANDLER = ErrorCode(
    "obligation.not_the_handler", 403, "应由主办人移交案卷", "Only the lead handler transfers the file", ("REV-5",)
)
OBLIGATION_NOT_PENDING = ErrorCode("obligation.not_pending", 409, "自查义务不在待移交状态", "Obligation not pending")
OBLIGATION_INVALID_DATE = ErrorCode(
    "obligation.invalid_date", 422, "移交日期不合法", "Invalid submission date", ("REV-5",)
)

# Reviews (REV-7, REV-12, REV-16)
CASE_EXCLUDED = ErrorCode(
    "review.case_excluded", 422, "案件处于复议或诉讼中，不予评查", "Case excluded from review", ("REV-12",)
)
ALREADY_REVIEWED = ErrorCode("review.already_reviewed", 409, "本案自查评查已完成", "Self-review already complete")
SELF_REVIEW_OPEN = ErrorCode(
    "review.self_review_open", 409, "本案已有待签署的自查评查", "A self-review awaits signatures"
)
ALREADY_COMPLETED = ErrorCode("review.already_completed", 409, "评查已完成", "Review already complete")
NOT_THE_REVIEWED_UNIT = ErrorCode(
    "review.not_the_reviewed_unit", 403, "须由被评查单位负责人签署", "Not the reviewed unit's head", ("REV-7",)
)
FILE_NOT_TRANSFERRED = ErrorCode(
    "review.file_not_transferred",
    409,
    "案卷尚未移交法制机构，自查评查不能完成",
    "The file has not been transferred for self-review",
    ("REV-5",),
)
PROBLEMS_REQUIRED = ErrorCode(
    "review.problems_required", 422, "不合格案卷须列明发现的问题", "An unqualified file lists its problems", ("REV-7",)
)
ALREADY_SIGNED = ErrorCode("review.already_signed", 409, "该角色已签署", "Already signed")
SAME_SIGNER = ErrorCode(
    "review.same_signer", 409, "两个签署须由不同人员作出", "Two different signers needed", ("REV-7",)
)
NOT_EXEMPLARY = ErrorCode(
    "review.not_exemplary", 422, "仅评为优秀的已完成评查可入选", "Not an exemplary file", ("REV-16",)
)
ALREADY_EXEMPLARY = ErrorCode("review.already_exemplary", 409, "该案卷已入选优秀案卷", "Already selected")

# Inspections (REV-11)
FILE_NOT_DRAWN = ErrorCode(
    "inspection.file_not_drawn",
    422,
    "该案卷不在本次抽查范围内",
    "The file was not drawn in this inspection",
    ("REV-11",),
)
FINDING_EXISTS = ErrorCode(
    "inspection.finding_exists", 409, "该案卷的检查结果已记录", "A finding for this file is recorded", ("REV-11",)
)
SELF_REVIEW_QUALITY_MISMATCH = ErrorCode(
    "inspection.self_review_quality_mismatch",
    422,
    "自查质量与自查记录不符",
    "Self-review quality does not match the self-review record",
    ("REV-11",),
)

# Compliance (REV-6)
COMPLIANCE_PERIOD_REQUIRED = ErrorCode(
    "compliance.period_required", 422, "须指明统计期间", "A period (or year) is required", ("REV-6",)
)

# Summaries (REV-9)
SUMMARY_ALREADY_SUBMITTED = ErrorCode(
    "summary.already_submitted", 409, "总结已报送，不得更改", "Summary already submitted", ("REV-9",)
)
SUMMARY_NOT_SUBMITTABLE = ErrorCode(
    "summary.not_submittable", 409, "总结不可报送", "Summary not submittable", ("REV-9",)
)
SUMMARY_INVALID_DATE = ErrorCode("summary.invalid_date", 422, "报送日期不合法", "Invalid submission date")
SUMMARY_PERIOD_NOT_ENDED = ErrorCode(
    "summary.period_not_ended", 422, "该半年尚未结束，不能生成总结", "The half year has not ended yet"
)

CATALOGUE = ErrorCatalogue.collect(globals())
