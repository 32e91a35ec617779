"""The tolerance rule engine (尽职免责、容错纠错认定): pure functions, no I/O.

The grounds are the seed template's items (``../shared/seeds/000_…``, ``001_…``, ``003_…``):
第十条 DD1–DD11 (履职尽责, TOL-10), 第十一条 TG1–TG9 with the three conditions C1–C3
(容错免责, TOL-11), 第十二条 MG1–MG3 (从轻、减轻, TOL-12) and 第十三条 the two exclusions
(不予容错, TOL-13). :func:`evaluate` turns what is claimed (or verified) into a
recommendation ``{outcome, basis, explanation, policy_id}`` in this order:

1. an exclusion ⇒ ``rejected`` (TOL-13 overrides every ground);
2. any DD ground ⇒ ``due_diligence`` (TOL-10);
3. a TG ground with C1, C2 and C3 all true ⇒ ``exempted``; with any false ⇒ ``mitigated`` (TOL-11);
4. an MG ground ⇒ ``mitigated``, 从轻 or 减轻 (TOL-12);
5. nothing proven ⇒ ``not_applicable``.

C2 (没有造成重大损失和严重不良影响) cannot hold when the loss is ``major``: tolerance covers
"一定损失" that was promptly corrected (第四条, TOL-4), not a major one.

The explanation is one zh-CN sentence per ground, naming its article and item. The wording
of an item may differ between issuers (奈曼旗 第十一条（三）): the policy in force passes its
own texts (``texts``), the seed's wording otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal
from uuid import UUID

Outcome = Literal["due_diligence", "exempted", "mitigated", "rejected", "not_applicable"]
DecisionOutcome = Literal["due_diligence", "exempted", "mitigated", "rejected"]
MitigationKind = Literal["lighter", "reduced"]
LossLevel = Literal["none", "minor", "major"]
ExclusionCode = Literal["outside_statutory_duty", "violated_statutory_procedure"]

CHINESE_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一")


@dataclass(frozen=True)
class Ground:
    """One item of the template: its code, article, item number, rule id and text."""

    code: str
    article: str
    item: int
    rule: str
    text: str

    @property
    def citation(self) -> str:
        return f"{self.article}（{CHINESE_NUMERALS[self.item - 1]}）"


def _items(prefix: str, article: str, rule: str, texts: Iterable[str]) -> dict[str, Ground]:
    return {f"{prefix}{n}": Ground(f"{prefix}{n}", article, n, rule, text) for n, text in enumerate(texts, start=1)}


#: 第十条 履职尽责 (TOL-10), the seed's wording.
DUE_DILIGENCE = _items(
    "DD",
    "第十条",
    "TOL-10",
    (
        "已经按照法定职责、法定程序、岗位职责，履行行政执法职责的",
        "因行政相对人隐瞒、伪造、毁灭证据或者提供虚假材料，致使作出错误执法决定，或者逃避案件调查致使行政执法行为不能及时作出的",
        "对拒不执行行政处罚、行政命令等决定，已依法提请有批准权的人民政府责令停业、关闭或者已经依法申请人民法院强制执行，被执行人仍违法生产经营的",
        "因当事人擅自隐匿、转移、变卖、损毁被查封、扣押的物品导致危害后果发生的",
        "因不能预见、不能避免或不能克服等不可抗力因素，导致执法部门及其执法人员未能依法履行职责的",
        "因其他有关部门错误或者不当行政行为，导致作出错误判定或者处理的",
        "因标准缺失或者现有科学技术水平的限制不能发现存在问题，导致违法违规问题无法定性的",
        "违法行为被依法查处和责令改正，在整改期间不执行整改要求导致发生事故的",
        "违法行为已被依法调查和责令改正，在按法律程序办理或者移送过程中发生事故的",
        "按照事发当时法律法规和有关规定不应当追究责任，特别在“三定”职责中不属于自己职责的",
        "其他履职尽责依法不应当追究责任的情形",
    ),
)

#: 第十一条第一款 容错情形 (TOL-11), the 虞乡镇/隰县 wording.
TOLERANCE = _items(
    "TG",
    "第十一条",
    "TOL-11",
    (
        "贯彻执行上级指示决策部署中，为推动发展、攻坚克难，主动解决问题而大胆探索、先行先试出现失误或错误的",
        "全面深化改革、推进体制机制创新中，先行先试、突破常规，出现探索性失误或者未达到预期效果的",
        "扎实推动高质量发展、打好污染防治攻坚战等重点工作中，敢于决策、大胆履职、攻坚克难，出现失误或偏差的",
        "创造性开展工作中，因国家政策调整、法律法规调整、上级决策部署发生变化，或政策界限不明确，受客观条件限制，出现失误或者偏差的",
        "执法过程中，为防止执法风险，临机决断、因不可抗力或不可预见原因，出现失误或者偏差的",
        "开展执法检查中，因执法对象故意隐瞒或未如实反映情况，致使没有及时发现潜在问题的",
        "依法开展行政执法中，因行政管理相对人主观故意违法，执法人员已经采取法定措施，仍然造成事故发生的",
        "在解决执法矛盾过程中因勇于破除障碍、触及固有利益，造成失误或偏差的",
        "其他可以容错免责的情形",
    ),
)

#: 第十一条第二款 免责条件 (TOL-11).
CONDITIONS = _items(
    "C",
    "第十一条第二款",
    "TOL-11",
    ("法律没有明令禁止的", "没有造成重大损失和严重不良影响的", "积极主动消除不良影响、挽回损失的"),
)

#: 第十二条 从轻、减轻 (TOL-12).
MITIGATION = _items(
    "MG",
    "第十二条",
    "TOL-12",
    (
        "主动采取措施有效避免损失或者挽回影响的",
        "积极配合问责调查，并主动承担责任的",
        "其他依法可以从轻、减轻追究责任的",
    ),
)

#: 第十三条 不予容错 (TOL-13).
EXCLUSIONS: dict[str, str] = {
    "outside_statutory_duty": "违反法定的职责范围",
    "violated_statutory_procedure": "违反法定程序",
}

#: Every ground a claim may name, by code.
GROUNDS: dict[str, Ground] = {**DUE_DILIGENCE, **TOLERANCE, **MITIGATION}

OUTCOME_ZH = {
    "due_diligence": "认定为履职尽责",
    "exempted": "予以容错免责",
    "mitigated": "从轻或者减轻处理",
    "rejected": "不予容错",
    "not_applicable": "不符合尽职免责、容错纠错情形",
}


@dataclass(frozen=True)
class Claim:
    """What is claimed (application) or verified (investigation)."""

    due_diligence: frozenset[str] = frozenset()
    tolerance: frozenset[str] = frozenset()
    mitigation: frozenset[str] = frozenset()
    conditions: tuple[bool, bool, bool] = (False, False, False)
    exclusions: frozenset[str] = frozenset()
    loss_level: LossLevel = "none"

    def __post_init__(self) -> None:
        for codes, catalogue in (
            (self.due_diligence, DUE_DILIGENCE),
            (self.tolerance, TOLERANCE),
            (self.mitigation, MITIGATION),
        ):
            unknown = set(codes) - set(catalogue)
            if unknown:
                raise ValueError(f"unknown ground(s) {sorted(unknown)}")
        if set(self.exclusions) - set(EXCLUSIONS):
            raise ValueError(f"unknown exclusion(s) {sorted(set(self.exclusions) - set(EXCLUSIONS))}")

    @property
    def effective_conditions(self) -> tuple[bool, bool, bool]:
        """C2 fails under a major loss (第四条: 一定损失, TOL-4)."""
        c1, c2, c3 = self.conditions
        return c1, c2 and self.loss_level != "major", c3


@dataclass(frozen=True)
class Recommendation:
    outcome: Outcome
    basis: tuple[str, ...]
    explanation: str
    policy_id: UUID | None
    #: For ``mitigated``: 从轻 or 减轻, the decision records which (TOL-12).
    mitigation_kinds: tuple[MitigationKind, ...] = field(default=())


def _ordered(codes: Iterable[str]) -> list[str]:
    return sorted(codes, key=lambda code: (code.rstrip("0123456789"), int(code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))))


def _text(ground: Ground, texts: Mapping[str, str]) -> str:
    return texts.get(ground.code, ground.text)


def evaluate(claim: Claim, policy_id: UUID | None = None, texts: Mapping[str, str] | None = None) -> Recommendation:
    """The recommendation for ``claim`` under the policy ``policy_id`` (its ground ``texts``)."""
    texts = texts or {}
    sentences: list[str] = []
    if claim.exclusions:
        for code in sorted(claim.exclusions):
            sentences.append(f"第十三条：执法人员履行职责过程中{EXCLUSIONS[code]}的，不予容错。")
        named = _ordered(claim.due_diligence | claim.tolerance | claim.mitigation)
        if named:
            sentences.append(f"所主张的{'、'.join(named)}情形因第十三条不予适用。")
        return Recommendation("rejected", ("TOL-13",), "".join(sentences), policy_id)

    if claim.due_diligence:
        for code in _ordered(claim.due_diligence):
            ground = DUE_DILIGENCE[code]
            sentences.append(f"符合{ground.citation}“{_text(ground, texts)}”，应当认定为履职尽责。")
        return Recommendation("due_diligence", ("TOL-10",), "".join(sentences), policy_id)

    basis: list[str] = []
    outcome: Outcome = "not_applicable"
    if claim.tolerance:
        for code in _ordered(claim.tolerance):
            ground = TOLERANCE[code]
            sentences.append(f"符合{ground.citation}“{_text(ground, texts)}”。")
        conditions = claim.effective_conditions
        failed = [n for n, holds in enumerate(conditions, start=1) if not holds]
        if not failed:
            sentences.append("同时符合第十一条第二款（一）至（三）全部条件，可以予以容错免责。")
            return Recommendation("exempted", ("TOL-11",), "".join(sentences), policy_id)
        for n in failed:
            condition = CONDITIONS[f"C{n}"]
            reason = "（损失为重大损失，第四条）" if n == 2 and claim.loss_level == "major" else ""
            sentences.append(f"不符合{condition.citation}“{_text(condition, texts)}”{reason}。")
        sentences.append("不能免除责任，依第十一条可以从轻、减轻处理。")
        outcome = "mitigated"
        basis.append("TOL-11")
        if claim.loss_level == "major" and claim.conditions[1]:
            basis.insert(0, "TOL-4")
    if claim.mitigation:
        for code in _ordered(claim.mitigation):
            ground = MITIGATION[code]
            sentences.append(f"符合{ground.citation}“{_text(ground, texts)}”，可以从轻或者减轻责任。")
        outcome = "mitigated"
        basis.append("TOL-12")
    if outcome == "mitigated":
        return Recommendation("mitigated", tuple(basis), "".join(sentences), policy_id, ("lighter", "reduced"))
    return Recommendation(
        "not_applicable",
        ("TOL-10", "TOL-11", "TOL-12"),
        "未主张或未查实第十条、第十一条、第十二条规定的任何情形，不适用尽职免责、容错纠错。",
        policy_id,
    )


def decision_refusal(outcome: DecisionOutcome, claim: Claim) -> str | None:
    """The rule id refusing ``outcome`` for ``claim`` (verified grounds), or None.

    ``exempted`` with an exclusion is refused under TOL-13; ``exempted`` without a TG ground
    and C1–C3 all true under TOL-11; ``due_diligence`` with an exclusion under TOL-13."""
    if outcome in ("exempted", "due_diligence", "mitigated") and claim.exclusions:
        return "TOL-13"
    if outcome == "exempted" and (not claim.tolerance or not all(claim.effective_conditions)):
        return "TOL-11"
    return None


#: TOL-16: the decisions that start a correction (纠错) at the same time.
CORRECTION_OUTCOMES = frozenset({"due_diligence", "exempted"})


def needs_correction(outcome: str) -> bool:
    return outcome in CORRECTION_OUTCOMES


def departs(outcome: str, recommendation: str) -> bool:
    """A decision that departs from the (verified) recommendation needs reasons (TOL-14)."""
    return outcome != recommendation


# --- TOL-18: frequent or concentrated grounds -------------------------------------------------


@dataclass(frozen=True)
class RiskKey:
    """What a warning counts: the same ground, the same case category, the same unit."""

    dimension: Literal["unit", "category", "ground"]
    value: str


def risk_keys(unit_id: UUID, category: str | None, grounds: Iterable[str]) -> list[RiskKey]:
    """The keys an application counts towards (TOL-18)."""
    keys = [RiskKey("unit", str(unit_id))]
    if category:
        keys.append(RiskKey("category", category))
    keys.extend(RiskKey("ground", code) for code in _ordered(set(grounds)))
    return keys


def crosses_threshold(count: int, threshold: int) -> bool:
    """TOL-18: a key with at least ``threshold`` applications within the window is a risk point."""
    return count >= threshold


def first_window(incidents: list[date], window_days: int, threshold: int, containing: date) -> tuple[int, int] | None:
    """TOL-18: the earliest span of ``window_days`` days holding ``containing`` and at least
    ``threshold`` of ``incidents`` (sorted), as the slice ``(start, stop)`` of them; None when
    there is none. Applications come in any order of their incident dates, so the span may
    lie before or after the newest one."""
    span = timedelta(days=window_days - 1)
    stop = 0
    for start, first in enumerate(incidents):
        if first > containing:
            break
        while stop < len(incidents) and incidents[stop] <= first + span:
            stop += 1
        if containing <= first + span and crosses_threshold(stop - start, threshold):
            return start, stop
    return None


# --- TOL-19: petitions ----------------------------------------------------------------------

PetitionOutcome = Literal["unfounded", "unproven", "tolerated", "founded"]

PETITION_OUTCOME_ZH = {
    "unfounded": "经查不属实",
    "unproven": "查无实据",
    "tolerated": "经认定予以容错免责",
    "founded": "经查属实",
}

#: TOL-19: the outcomes after which a real-name reporter gets feedback, an anonymous one an explanation.
FEEDBACK_OUTCOMES = frozenset({"unfounded", "unproven", "tolerated"})
#: TOL-19: a clarification (澄清正名) only after a petition found unfounded or unproven.
CLARIFIABLE_OUTCOMES = frozenset({"unfounded", "unproven"})


def may_clarify(concluded: bool, outcome: str | None) -> bool:
    return concluded and outcome in CLARIFIABLE_OUTCOMES


# --- deadlines (CONTRACT.md "deadlines") ----------------------------------------------------

DeadlineStatus = Literal["open", "met", "met_late", "overdue", "lapsed"]


def deadline_status(due_on: date, met_on: date | None, today: date) -> tuple[DeadlineStatus, int | None]:
    """A deadline's status and, when met late, the days late: a breach stays visible after
    it is cured (``met_late``)."""
    if met_on is not None:
        late = (met_on - due_on).days
        return ("met_late", late) if late > 0 else ("met", None)
    return ("overdue", None) if today > due_on else ("open", None)
