"""Reproducible sign-language recognition: MediaPipe Holistic keypoints -> LSTM -> TFLite."""

__version__ = "0.1.0"
