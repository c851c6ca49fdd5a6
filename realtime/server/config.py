"""What `signlang serve` runs with: the params.yaml sections it reads, loaded once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from signlang import paths

if TYPE_CHECKING:
    from realtime.settings import SentenceParams, ServeParams
    from signlang.features.holistic import HolisticSettings


@dataclass(frozen=True)
class ServerSettings:
    """serve: (limits, capacity, the page), sentence: (the live core's rules), extract: (Holistic
    and the damaged-clip rule) and live.fallback_fps (word times when a request states no rate)."""

    serve: ServeParams
    sentence: SentenceParams
    holistic: HolisticSettings
    min_decoded_fraction: float
    fallback_fps: float
    origin: str  # where they were read from

    def with_serve(self, **changes: object) -> ServerSettings:
        """The same settings with some serve: values changed (tests, benchmarks)."""
        return replace(self, serve=self.serve.model_copy(update=changes))


def load_server_settings(path: Path | None = None) -> ServerSettings:
    """The sections from `path` (default ./params.yaml); the built-in defaults only when no
    path is given and there is no ./params.yaml (e.g. outside a checkout)."""
    from realtime.settings import LiveParams, SentenceParams, ServeParams
    from signlang.features.holistic import HolisticSettings
    from signlang.features.settings import ExtractParams
    from signlang.settings import load_sections

    if path is None and not paths.PARAMS_FILE.is_file():
        extract, live = ExtractParams(), LiveParams()
        return ServerSettings(ServeParams(), SentenceParams(), HolisticSettings.from_params(extract),
                              extract.min_decoded_fraction, live.fallback_fps, "built-in defaults (no params.yaml here)")
    chosen = path or paths.PARAMS_FILE
    params = load_sections(chosen, serve=ServeParams, sentence=SentenceParams, extract=ExtractParams, live=LiveParams)
    return ServerSettings(params.serve, params.sentence, HolisticSettings.from_params(params.extract),
                          params.extract.min_decoded_fraction, params.live.fallback_fps, str(chosen))
