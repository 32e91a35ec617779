"""tolerance-service's error catalogue: every problem code it answers, with status, titles and basis.

Raise a problem from its entry (``raise errors.NOT_THE_DECIDING_BODY("…")``); the app factory
renders the entry's title. A unit test checks that every code in the source is declared here.
"""

from __future__ import annotations

from enforcement_common.api.errors import ErrorCatalogue, ErrorCode

# Applications (TOL-10 … TOL-14)
INVALID_APPLICANT = ErrorCode(
    "tolerance.invalid_applicant",
    422,
    "个人申请须由申请人本人提出",
    "A self application is made by one of the officers concerned",
    ("TOL-14",),
)
NOT_A_UNIT_INITIATOR = ErrorCode(
    "tolerance.not_a_unit_initiator",
    403,
    "单位启动容错认定须由单位负责人、法制机构或平台提出",
    "A unit-initiated application is filed by the unit leader, legal affairs or the platform",
    ("TOL-14",),
)
INVALID_DATE = ErrorCode("tolerance.invalid_date", 422, "日期不合法", "Invalid date")
CASE_OUTSIDE_UNIT = ErrorCode(
    "tolerance.case_outside_unit",
    422,
    "案件不属于申请单位或其下级单位",
    "The case is not of the applying unit or a unit below it",
)
INVALID_TRANSITION = ErrorCode("tolerance.invalid_transition", 409, "申请当前状态不允许该操作", "Not possible now")
NOT_THE_DECIDING_BODY = ErrorCode(
    "tolerance.not_the_deciding_body",
    403,
    "容错免责认定须由政策规定的党委（党组）作出",
    "Only the party committee the policy names decides",
    ("TOL-14",),
)
DECISION_REFUSED = ErrorCode(
    "tolerance.decision_refused", 422, "认定结论不符合规定条件", "The outcome is not allowed on the verified grounds"
)
REASONS_REQUIRED = ErrorCode(
    "tolerance.reasons_required",
    422,
    "认定结论与建议不一致，须说明理由",
    "A decision departing from the recommendation needs reasons",
    ("TOL-14",),
)
CORRECTION_REQUIRED = ErrorCode(
    "tolerance.correction_required",
    422,
    "作出尽职免责、容错免责决定的同时应当启动纠错程序",
    "An exemption decision starts its correction at the same time",
    ("TOL-16",),
)
MITIGATION_KIND_REQUIRED = ErrorCode(
    "tolerance.mitigation_kind_required",
    422,
    "从轻、减轻处理须写明从轻或减轻",
    "A mitigated outcome records lighter or reduced",
    ("TOL-12",),
)

# Corrections (TOL-16, TOL-17)
CORRECTION_CLOSED = ErrorCode("correction.closed", 409, "纠错已完成", "The correction is complete", ("TOL-17",))
EXTENSION_PENDING = ErrorCode(
    "correction.extension_pending", 409, "已有待审批的延期申请", "An extension request awaits a decision", ("TOL-17",)
)
EXTENSION_DECIDED = ErrorCode(
    "correction.extension_decided", 409, "延期申请已审批", "The extension request was already decided", ("TOL-17",)
)
INVALID_EXTENSION = ErrorCode(
    "correction.invalid_extension", 422, "延长后的期限不合法", "Invalid extended due date", ("TOL-17",)
)
NOT_THE_SUBJECT = ErrorCode(
    "correction.not_the_subject",
    403,
    "须由纠错对象或其单位提出",
    "Only the subject of the correction or its unit may do this",
    ("TOL-17",),
)

# Petitions (TOL-19)
PETITION_CONCLUDED = ErrorCode("petition.concluded", 409, "信访举报已办结", "The petition is concluded", ("TOL-19",))
PETITION_NOT_CONCLUDED = ErrorCode(
    "petition.not_concluded", 409, "信访举报尚未办结", "The petition is not concluded", ("TOL-19",)
)
FEEDBACK_NOT_DUE = ErrorCode(
    "petition.feedback_not_applicable",
    409,
    "该办理结果无须反馈或说明",
    "No feedback or explanation for this outcome",
    ("TOL-19",),
)
FEEDBACK_GIVEN = ErrorCode("petition.feedback_given", 409, "已反馈或说明", "Feedback already given", ("TOL-19",))
INVALID_FEEDBACK = ErrorCode(
    "petition.invalid_feedback",
    422,
    "实名举报反馈结果，匿名举报须载明说明范围",
    "Feedback to a real-name reporter; an explanation within a scope for an anonymous one",
    ("TOL-19",),
)
NOT_CLARIFIABLE = ErrorCode(
    "petition.not_clarifiable",
    422,
    "仅对经查不属实或查无实据的已办结信访举报澄清正名",
    "A clarification follows only a concluded petition found unfounded or unproven",
    ("TOL-19",),
)
CONSENT_REQUIRED = ErrorCode(
    "petition.consent_required", 422, "澄清正名须经本人同意", "The officer's consent is required", ("TOL-19",)
)
OFFICER_NOT_NAMED = ErrorCode(
    "petition.officer_not_named",
    422,
    "被澄清的人员须为信访举报所涉人员",
    "A clarified officer must be named in the petition",
    ("TOL-19",),
)

CATALOGUE = ErrorCatalogue.collect(globals())
