"""case-service's error catalogue: every problem code it answers, with status, titles and basis.

Raise a problem from its entry (``raise errors.INVALID_TRANSITION("…", allowed_actions=[…])``);
the app factory renders the entry's title (zh-CN, or English on ``Accept-Language: en``).
A test checks that every code in the source is declared here.
"""

from __future__ import annotations

from enforcement_common.api.errors import ErrorCatalogue, ErrorCode

# Calendar (the holiday schedule case-service owns)
CALENDAR_INVALID_SCHEDULE = ErrorCode(
    "calendar.invalid_schedule", 422, "节假日安排不一致", "Holiday schedule is not consistent"
)
CALENDAR_NOT_PUBLISHED = ErrorCode(
    "calendar.not_published", 404, "该年度节假日安排尚未发布", "No holiday schedule for that year"
)

# Units
UNIT_CODE_TAKEN = ErrorCode("unit.code_taken", 409, "单位编码已被使用", "Unit code taken")
UNIT_PARENT_NOT_FOUND = ErrorCode("unit.parent_not_found", 422, "上级单位不存在", "Parent unit not found")
UNIT_INVALID_PARENT = ErrorCode("unit.invalid_parent", 422, "上级单位类型不符", "Invalid parent unit")

# Officers
CERTIFICATE_TAKEN = ErrorCode("officer.certificate_taken", 409, "执法证号已被使用", "Certificate number taken")
INVALID_QUALIFICATION_ACTION = ErrorCode(
    "officer.invalid_qualification_action", 409, "执法资格状态不允许该操作", "Qualification action not possible"
)
REINSTATEMENT_REQUIREMENTS_UNMET = ErrorCode(
    "officer.reinstatement_requirements_unmet",
    422,
    "恢复执法资格的条件未满足",
    "Reinstatement requirements not met",
    ("REV-8",),
)
ASSESSMENT_IN_FUTURE = ErrorCode(
    "officer.assessment_in_future", 422, "考核日期晚于今日", "Assessment date in the future"
)

# Trainings
# An attendee unknown or outside the caller's scope answers the generic 404 resource.not_found.

# Cases
INVALID_TRANSITION = ErrorCode(
    "case.invalid_transition", 409, "案件当前状态不允许该操作", "Action not possible in the case's status"
)
HANDLER_NOT_QUALIFIED = ErrorCode(
    "case.handler_not_qualified", 422, "承办人无有效执法证", "Handler not qualified", ("CASE-3",)
)
TOO_FEW_HANDLERS = ErrorCode(
    "case.too_few_handlers", 422, "持证承办人不足两人", "Too few qualified handlers", ("CASE-9",)
)
UNKNOWN_HANDLER = ErrorCode("case.unknown_handler", 422, "承办人不存在", "Unknown handler")
HANDLERS_NOT_QUALIFIED_ON_DATE = ErrorCode(
    "case.handlers_not_qualified_on_date",
    422,
    "该环节日期持有效执法证的承办人不足",
    "Too few handlers qualified on the action's date",
    ("CASE-3", "CASE-9"),
)
FILED_BEFORE_BACKDATING_WINDOW = ErrorCode(
    "case.filed_before_backdating_window",
    422,
    "立案日期早于允许补录的期限",
    "Filing date earlier than the back-dating window",
    ("CASE-3",),
)
INVALID_PENALTY_KINDS = ErrorCode(
    "case.invalid_penalty_kinds",
    422,
    "处罚种类与决定内容不符",
    "Penalty kinds do not match the decision",
    ("STAT-7",),
)
EXTERNAL_REF_TAKEN = ErrorCode("case.external_ref_taken", 409, "外部编号已被使用", "external_ref already used")
FILED_IN_FUTURE = ErrorCode("case.filed_in_future", 422, "立案日期晚于今日", "Filing date in the future")
DATE_IN_FUTURE = ErrorCode("case.date_in_future", 422, "日期晚于今日", "Date in the future")
DATE_OUT_OF_ORDER = ErrorCode("case.date_out_of_order", 422, "日期早于前一环节", "Date before the previous stage")
NOT_A_HANDLER = ErrorCode("case.not_a_handler", 403, "非本案承办人", "Not a handler of the case")
LEGAL_REVIEW_REQUIRED = ErrorCode(
    "case.legal_review_required", 422, "重大决定须先经法制审核", "Legal review required", ("CASE-4",)
)
REMEDY_INCOMPLETE = ErrorCode(
    "case.remedy_incomplete", 422, "法律救济信息不完整", "Legal remedy incomplete", ("CASE-8",)
)
REMEDY_BEFORE_DECISION = ErrorCode(
    "case.remedy_before_decision",
    409,
    "案件尚未作出决定，不能申请法律救济",
    "No decision to challenge yet",
    ("CASE-8",),
)
REMEDY_DATE_OUT_OF_RANGE = ErrorCode(
    "case.remedy_date_out_of_range",
    422,
    "法律救济日期须在决定日期与今日之间",
    "Remedy dates must lie between the decision and today",
    ("CASE-8",),
)
IS_MAJOR_LOCKED = ErrorCode(
    "case.is_major_locked", 409, "立案后不得变更是否重大案件", "is_major cannot change after filing", ("CASE-4",)
)
DEADLINE_NOT_EXTENDABLE = ErrorCode(
    "case.deadline_not_extendable",
    422,
    "该期限不可延长",
    "Deadline cannot be extended",
    ("CASE-9",),
)
EXTENSION_NOT_LATER = ErrorCode(
    "case.extension_not_later", 422, "延长后的期限须晚于现期限", "New due date not after the current one", ("CASE-9",)
)
EXTENSION_APPROVED_LATE = ErrorCode(
    "case.extension_approved_late",
    422,
    "期限届满后批准的延长不予认可",
    "Extension approved after the deadline had passed",
    ("CASE-9",),
)

# Bulk import
IMPORT_NOT_A_LIST = ErrorCode("import.not_a_list", 422, "导入内容不是数组", "Import body is not a list")
IMPORT_TOO_MANY_ITEMS = ErrorCode("import.too_many_items", 413, "导入条目过多", "Too many items")
IMPORT_DUPLICATE_IN_BATCH = ErrorCode("import.duplicate_in_batch", 409, "同批次外部编号重复", "Duplicate in the batch")

CATALOGUE = ErrorCatalogue.collect(globals())
