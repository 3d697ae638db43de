"""Params section 'mapping' (owned by the mapping module; all defaults live here).

Lead-to-account matching cascade (notebook 03) and buying-committee personas.
Scores are rapidfuzz scores on a 0–100 scale; confidences are on a 0–1 scale.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section

SENIORITY_LEVELS = ("ic", "manager", "director", "vp", "c_level")
FUNCTIONS = ("marketing", "sales", "it", "finance", "operations", "hr", "executive", "other")
#: Confidence (0–1) of each match method; a params file names only the ones it changes.
DEFAULT_CONFIDENCE = {
    "crm_link": 1.0,
    "email_domain": 0.99,
    "website": 0.97,
    "exact_name": 0.95,
    "fuzzy_name": 0.90,
    "reverse_ip_domain": 0.9,
    "source_account": 1.0,
}


class CommitteeRole(Section):
    """One seat of the buying committee: which job functions fill it, from which seniority up."""

    name: str = Field(..., description="Role label shown in reports, e.g. 'marketing_leader'.")
    functions: list[str] = Field(..., description=f"Job functions that fill the seat; any of {list(FUNCTIONS)}.")
    min_seniority: Literal["ic", "manager", "director", "vp", "c_level"] = Field(
        "ic", description="Lowest seniority that counts (ic < manager < director < vp < c_level)."
    )
    any_function_from: Literal["ic", "manager", "director", "vp", "c_level"] | None = Field(
        None,
        description="Optional: from this seniority up, any function fills the seat "
        "(e.g. c_level for the executive seat).",
    )

    @field_validator("functions")
    @classmethod
    def _known(cls, v):
        bad = [f for f in v if f not in FUNCTIONS]
        if bad:
            raise ValueError(f"unknown job function(s) {bad}; allowed: {list(FUNCTIONS)}")
        if not v:
            raise ValueError("a committee role needs at least one function")
        return v


BlockingKey = Literal["prefix3", "first_char_sorted3", "last_token"]
TieBreakerName = Literal["name", "country", "contact_count"]


def _default_blocking() -> list[BlockingKey]:
    return ["prefix3", "first_char_sorted3"]


def _default_tie_breakers() -> list[TieBreakerName]:
    return ["name", "country", "contact_count"]


def _default_committee() -> list[CommitteeRole]:
    return [
        CommitteeRole(name="marketing_leader", functions=["marketing"], min_seniority="director"),
        CommitteeRole(name="sales_leader", functions=["sales"], min_seniority="director"),
        CommitteeRole(name="it", functions=["it"], min_seniority="manager"),
        CommitteeRole(name="finance", functions=["finance"], min_seniority="manager"),
        CommitteeRole(name="executive", functions=["executive"], min_seniority="ic", any_function_from="c_level"),
    ]


class MappingParams(Section):
    # --- cascade steps
    use_crm_link: bool = Field(
        True, description="Trust an account_id already set on the contact by the CRM (method 'crm_link')."
    )
    use_email_domain: bool = Field(
        True, description="Step: e-mail registered domain = an account's domain or alternative domain."
    )
    use_website: bool = Field(
        True, description="Step: website registered domain = an account's domain or alternative domain."
    )
    use_exact_name: bool = Field(True, description="Step: exact normalised company name.")
    use_fuzzy_name: bool = Field(True, description="Step: fuzzy company name (rapidfuzz cdist within blocks).")
    extra_freemail_domains: list[str] = Field(
        default_factory=list,
        description="Free-mail/ISP domains to add to the shipped list (resources/freemail_domains.txt).",
    )
    # --- fuzzy names
    fuzzy_scorer: Literal["osa", "ratio", "token_sort_ratio", "token_set_ratio", "WRatio"] = Field(
        "osa",
        description="rapidfuzz scorer for normalised names (processor=utils.default_process): 'osa' = optimal "
        "string alignment similarity (a transposition typo costs one edit), or a fuzz.* ratio.",
    )
    fuzzy_threshold: float = Field(86.0, ge=50, le=100, description="Lowest fuzzy score (0–100) a candidate needs.")
    ambiguity_margin: float = Field(
        4.0,
        ge=0,
        le=50,
        description="Candidates within this many points (0–100) of the best are 'too close': tie-breakers, "
        "else ambiguous.",
    )
    blocking: list[BlockingKey] = Field(
        default_factory=_default_blocking,
        description="Blocking keys for fuzzy candidates (union): first 3 characters of the compact name; "
        "first character + sorted next 3 (catches transposition typos); last token.",
    )
    fuzzy_top_k: int = Field(
        5, ge=2, le=50, description="Candidates kept per lead and block for the ambiguity check and review queue."
    )
    chunk_size: int = Field(
        4000, ge=100, description="Leads per cdist call (bounds memory: chunk x block size scores)."
    )
    workers: int = Field(1, ge=-1, description="rapidfuzz cdist workers (-1 = all cores).")
    # --- tie-breakers
    tie_breakers: list[TieBreakerName] = Field(
        default_factory=_default_tie_breakers,
        description="Applied in order among too-close candidates: same normalised name, same country, "
        "most contacts already linked.",
    )
    name_tie_tolerance: float = Field(
        2.0,
        ge=0,
        le=50,
        description="The 'name' tie-breaker (similarity 0–100 of the names "
        "as typed, legal form included) decides only when the leader is ahead by more than this.",
    )
    contact_count_ratio: float = Field(
        2.0,
        ge=1.0,
        description="The 'contact_count' tie-breaker decides only when the "
        "leading account has at least this many times (contacts+1) of the next one.",
    )
    # --- confidences (0–1)
    confidence: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_CONFIDENCE),
        description="Confidence (0–1) of each method; fuzzy is further multiplied by score/100. Methods not "
        "named keep their default.",
    )
    tie_break_penalty: float = Field(
        0.05, ge=0, le=0.5, description="Confidence subtracted when a tie-breaker decided."
    )
    # --- roll-up
    rollup_to_parent: bool = Field(
        False, description="Report the ultimate parent account instead of the matched (subsidiary) account."
    )
    # --- review queues
    max_candidates_listed: int = Field(
        5, ge=1, le=20, description="Candidates written per row in review_ambiguous.csv."
    )
    # --- personas / committee
    committee: list[CommitteeRole] = Field(
        default_factory=_default_committee,
        description="Buying-committee seats; a contact filling any seat is a key persona.",
    )
    engagement_window_days: int | None = Field(
        None, ge=1, description="Days before run.window_end counted as 'engaged'; None = the run's reporting window."
    )
    deal_lookback_days: int = Field(
        365, ge=1, description="Touches up to this many days before an opportunity closed count as involvement."
    )

    @field_validator("confidence")
    @classmethod
    def _conf(cls, v):
        for k, x in v.items():
            if not 0 <= x <= 1:
                raise ValueError(f"mapping.confidence.{k} must be between 0 and 1 (got {x})")
        return {**DEFAULT_CONFIDENCE, **v}

    @model_validator(mode="after")
    def _committee_names(self):
        names = [r.name for r in self.committee]
        if len(set(names)) != len(names):
            raise ValueError(f"mapping.committee role names must be unique, got {names}")
        if not self.blocking and self.use_fuzzy_name:
            raise ValueError("mapping.blocking is empty while use_fuzzy_name is true; list at least one blocking key")
        return self
