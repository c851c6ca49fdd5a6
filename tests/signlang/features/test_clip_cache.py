"""signlang.features.clip_cache: a clip's cache key follows its content and the Holistic settings.
The cache at work in the extract stage: tests/stages/test_extract.py; on a Dask cluster:
test_cluster.py."""

from __future__ import annotations

from signlang.features.clip_cache import cache_key
from signlang.features.holistic import HolisticSettings


def test_cache_key_depends_on_content_and_settings() -> None:
    settings = HolisticSettings()
    assert cache_key("a" * 64, settings) == cache_key("a" * 64, HolisticSettings())
    assert cache_key("a" * 64, settings) != cache_key("b" * 64, settings)
    assert cache_key("a" * 64, settings) != cache_key("a" * 64, HolisticSettings(max_frame_side=480))
