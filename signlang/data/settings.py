"""The `ingest` and `split` sections of params.yaml (what signlang/data reads and how it splits)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from signlang.settings import Section

# The keys that say who signed a source's samples; a source states at most one of them.
SIGNER_RULES = ("signer", "signer_folder", "signer_pattern", "signer_path_pattern")


class SourceParams(Section):
    """One `ingest.sources` entry: a folder or one .npz/.h5 file, and who signed its samples.

    Signers, first found wins: the `metadata` CSV (columns `file`, relative to the CSV, and
    `signer`; a row may name a sample's file, sequence folder or any folder above it), then the
    source's one rule (`signer`: everyone is this person; `signer_folder`: the folder at this
    level below the source, 1 = its top folders, <signer>/<label>/...; `signer_pattern`: a regex
    searched in the sample's name, the file stem or sequence folder; `signer_path_pattern`: a regex
    searched in its path inside the source, `/`-separated, without the file extension), then
    `ingest.signer_pattern`, then, for a multi-signer .npz file, the file stem."""

    path: str
    metadata: str | None = None
    signer: str | None = Field(default=None, min_length=1)
    signer_folder: int | None = Field(default=None, ge=1)
    signer_pattern: str | None = None
    signer_path_pattern: str | None = None

    @model_validator(mode="after")
    def _one_signer_rule(self) -> SourceParams:
        stated = [key for key in SIGNER_RULES if getattr(self, key) is not None]
        if len(stated) > 1:
            raise ValueError(f"states {' and '.join(stated)}; a source takes one signer rule "
                             f"({', '.join(SIGNER_RULES)}), or a metadata CSV beside it")
        return self

    def signer_rule(self) -> dict[str, str | int]:
        """The source's signer keys as params.yaml states them (metadata and the one rule)."""
        return {key: getattr(self, key) for key in ("metadata", *SIGNER_RULES) if getattr(self, key) is not None}


class ExcludeRule(Section):
    """Leave out a signer's samples: all of them, only those of one class (`label`, the class
    after label_aliases and relabel), or only those from one source folder (`folder`, the
    manifest's raw_label: one recording of a class in another form); both narrow together."""

    signer: str = Field(min_length=1)
    label: str | None = Field(default=None, min_length=1)
    folder: str | None = Field(default=None, min_length=1)


class RelabelRule(Section):
    """Give a signer's samples from one source folder (the manifest's raw_label: the <label>
    folder of videos and MP_Data, an npz file's source_action) another class."""

    signer: str = Field(min_length=1)
    folder: str = Field(min_length=1)
    label: str = Field(min_length=1)


class IngestParams(Section):
    sources: list[SourceParams] = Field(min_length=1)
    signer_pattern: str | None = None
    # Spellings read as another class: only those params.yaml states (the starter's English ones
    # are in its params.yaml, never a default: a team's `thankYou` stays `thankYou`).
    label_aliases: dict[str, list[str]] = Field(default_factory=dict)
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
    # signer: no signer in two subsets (needs signer ids, else the stage stops and says how to name
    # them); sequence: stratified by class, ignoring signers, and every report says the test
    # signers were seen in training.
    by: Literal["signer", "sequence"] = "signer"
    seed: int = 42

    @model_validator(mode="before")
    @classmethod
    def _renamed_strategy(cls, data: object) -> object:
        """`strategy` (before `by`) still reads, as what it meant: by_signer -> signer, stratified -> sequence."""
        if not isinstance(data, dict) or "strategy" not in data:
            return data
        renamed = {"by_signer": "signer", "stratified": "sequence"}
        data = dict(data)
        strategy = data.pop("strategy")
        if "by" in data or strategy not in renamed:
            raise ValueError(f"strategy: renamed `by` (got strategy: {strategy!r}); write by: signer for a split by "
                             "signer, by: sequence for a split by sequence that ignores signers")
        data["by"] = renamed[strategy]
        return data

    @model_validator(mode="after")
    def _fractions_sum_to_one(self) -> SplitParams:
        total = self.train + self.val + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"train + val + test must add up to 1, got "
                f"{self.train} + {self.val} + {self.test} = {total:g}"
            )
        return self
