"""The `ingest` and `split` sections of params.yaml (what signlang/data reads and how it splits)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from signlang.settings import Section


class SourceParams(Section):
    path: str
    metadata: str | None = None
    signer_pattern: str | None = None


class ExcludeRule(Section):
    """Leave out a signer's samples: all of them, or only those of one class (`label`, the
    class after label_aliases and relabel)."""

    signer: str = Field(min_length=1)
    label: str | None = Field(default=None, min_length=1)


class RelabelRule(Section):
    """Give a signer's samples from one source folder (the manifest's raw_label: the <label>
    folder of videos and MP_Data, an npz file's source_action) another class."""

    signer: str = Field(min_length=1)
    folder: str = Field(min_length=1)
    label: str = Field(min_length=1)


class IngestParams(Section):
    sources: list[SourceParams] = Field(min_length=1)
    signer_pattern: str | None = None
    # params.yaml's (the starter data's spellings); {} maps nothing.
    label_aliases: dict[str, list[str]] = Field(default_factory=lambda: {
        "thanks": ["thank you", "thankyou", "thank_you", "thanks", "thank"],
        "iloveyou": ["i love you", "iloveyou", "i_love_you", "love you"],
    })
    include_labels: list[str] = Field(default_factory=list)
    # 1 keeps every class.
    min_samples_per_class: int = Field(default=10, ge=1)
    # skip: unusable samples are listed with the reason and the run goes on; strict: stop.
    on_error: Literal["skip", "strict"] = "skip"
    # A person's decisions after `signlang audit` (never applied by the audit itself).
    exclude: list[ExcludeRule] = Field(default_factory=list)
    relabel: list[RelabelRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _decisions_unique(self) -> IngestParams:
        for key, rules, fields in (("exclude", self.exclude, ("signer", "label")),
                                   ("relabel", self.relabel, ("signer", "folder"))):
            seen = [tuple(getattr(rule, name) for name in fields) for rule in rules]
            twice = sorted({item for item in seen if seen.count(item) > 1}, key=str)
            if twice:
                raise ValueError(f"{key}: {dict(zip(fields, twice[0]))} is listed twice")
        return self


class SplitParams(Section):
    train: float = Field(gt=0.0, lt=1.0)
    val: float = Field(ge=0.0, lt=1.0)
    test: float = Field(gt=0.0, lt=1.0)
    strategy: Literal["by_signer", "stratified"] = "by_signer"
    seed: int = 42

    @model_validator(mode="after")
    def _fractions_sum_to_one(self) -> SplitParams:
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"train + val + test must add up to 1, got "
                f"{self.train} + {self.val} + {self.test} = {total:g}"
            )
        return self
