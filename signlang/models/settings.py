"""The `train` section of params.yaml: the network preset, its fitting and the training-time
augmentation (signlang/models/networks.py, signlang/models/train.py, signlang/models/augment.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from signlang.settings import Section


class AugmentParams(Section):
    """Random changes to raw training windows, fresh each epoch; 0 / false turns one off."""

    enabled: bool = True
    time_stretch: float = Field(default=0.2, ge=0.0, lt=1.0)
    frame_drop: float = Field(default=0.1, ge=0.0, lt=1.0)
    rotation_degrees: float = Field(default=10.0, ge=0.0, le=45.0)
    scale: float = Field(default=0.1, ge=0.0, lt=1.0)
    shift: float = Field(default=0.05, ge=0.0, le=0.5)
    mirror: float = Field(default=0.0, ge=0.0, le=1.0)
    noise: float = Field(default=0.005, ge=0.0, le=0.1)
    shear: float = Field(default=0.0, ge=0.0, le=1.0)
    time_mask: float = Field(default=0.0, ge=0.0, lt=1.0)
    pose_drop: float = Field(default=0.2, ge=0.0, le=1.0)
    hand_drop: float = Field(default=0.2, ge=0.0, le=1.0)


PRESET_NAMES = ("tutorial", "lstm", "gru", "bigru", "conv_lstm", "conv", "transformer", "stats")


class TrainParams(Section):
    preset: Literal["tutorial", "lstm", "gru", "bigru", "conv_lstm", "conv", "transformer", "stats"] = "transformer"
    epochs: int = Field(gt=0)
    batch_size: int = Field(gt=0)
    seed: int = 42
    optimizer: Literal["adam", "sgd"] = "adam"
    learning_rate: float = Field(gt=0.0)
    momentum: float = Field(default=0.9, ge=0.0, lt=1.0)
    lr_schedule: Literal["constant", "cosine", "step"] = "constant"
    step_epochs: int = Field(default=20, gt=0)
    step_factor: float = Field(default=0.5, gt=0.0, le=1.0)
    dropout: float = Field(default=0.2, ge=0.0, lt=1.0)
    l2: float = Field(default=0.001, ge=0.0)
    layer_norm: bool = True
    early_stopping_patience: int = Field(default=15, ge=0)
    class_weights: bool = True
    balance_signers: bool = True
    # median: a block under the class's median block size weighs in proportion; none: every block the same.
    signer_block_cap: Literal["median", "none"] = "none"
    label_smoothing: float = Field(default=0.0, ge=0.0, lt=1.0)
    late_dropout: float = Field(default=0.0, ge=0.0, lt=1.0)
    late_dropout_epoch: int = Field(default=1, ge=1)
    drop_path: float = Field(default=0.0, ge=0.0, lt=1.0)
    awp: float = Field(default=0.0, ge=0.0, le=1.0)
    awp_epoch: int = Field(default=6, ge=1)
    ensemble: int = Field(default=1, ge=1, le=8)
    # > 0: keep an exponential moving average of the weights (this momentum per step) and use it.
    ema_momentum: float = Field(default=0.99, ge=0.0, lt=1.0)
    augment: AugmentParams = Field(default_factory=AugmentParams)

    @model_validator(mode="after")
    def _ema_without_awp(self) -> TrainParams:
        if self.ema_momentum > 0 and self.awp > 0:
            # AWP's step moves the weights before the optimizer's step, which would average them moved.
            raise ValueError("ema_momentum and awp cannot both be on: set one of them to 0")
        return self
