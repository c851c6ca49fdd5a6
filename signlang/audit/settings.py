"""The `audit` section of params.yaml (`signlang audit` and the audit stage)."""

from __future__ import annotations

from pydantic import Field

from signlang.settings import Section


class AuditParams(Section):
    """`signlang audit` and the audit stage's rules (signlang/audit/folders.py); params.yaml explains each."""

    min_block_windows: int = Field(default=5, ge=1)
    no_hands_fraction: float = Field(default=0.6, gt=0.0, le=1.0)
    static_motion: float = Field(default=0.01, ge=0.0)
    static_ratio: float = Field(default=0.2, ge=0.0, le=1.0)
    hand_slots_fraction: float = Field(default=0.25, gt=0.0, le=1.0)
    layout_fraction: float = Field(default=0.5, gt=0.0, le=1.0)
    other_sign_fraction: float = Field(default=0.5, gt=0.0, le=1.0)
    other_sign_correct: float = Field(default=0.2, ge=0.0, lt=1.0)
    swap_fraction: float = Field(default=0.5, gt=0.0, le=1.0)
    misread_correct: float = Field(default=0.5, gt=0.0, le=1.0)
    misread_min_signers: int = Field(default=2, ge=1)
    foreign_share: float = Field(default=0.5, ge=0.0, lt=1.0)
    foreign_min_blocks: int = Field(default=2, ge=1)
    shrinkage: float = Field(default=0.2, ge=0.0, le=1.0)
    same_person_neighbours: float = Field(default=0.6, gt=0.0, le=1.0)
    same_person_min_signers: int = Field(default=5, ge=2)
    near_duplicate: float = Field(default=0.005, ge=0.0)
    figures: int = Field(default=12, ge=0)
    out: str = "reports/audit"
