"""Arguments and handlers of `signlang live`, `signlang capture` and `signlang serve` (listed in
signlang.cli).

`live` and `serve` run the model `--model` names (signlang/serving/resolve.py; default
models/bundle), as `evaluate` does; `capture` records samples and runs no model. Live and capture
read the `live`/`sentence`/`speech`/`capture` and `extract` sections of params.yaml, serve the
`serve`/`sentence`/`extract`/`live` ones (`--params`, default ./params.yaml; the built-in defaults
when there is none, e.g. outside a checkout).

Importing this module is cheap (argparse only): MediaPipe, OpenCV, the runner and the
params models are imported by the handlers, so `signlang --help` does not pay for them.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from signlang import paths
from signlang.cli.model_option import add_model_argument

if TYPE_CHECKING:
    from realtime.settings import CaptureParams, LiveParams, SentenceParams, SpeechParams
    from signlang.features.holistic import HolisticSettings
    from signlang.serving.bundle import Bundle

@dataclass(frozen=True)
class RealtimeSettings:
    live: LiveParams
    sentence: SentenceParams
    capture: CaptureParams
    speech: SpeechParams
    holistic: HolisticSettings
    origin: str


def load_settings(path: Path | None) -> RealtimeSettings:
    """The sections live/capture need from params.yaml (`path`, else ./params.yaml), or
    their defaults when there is no params.yaml at hand (e.g. outside a checkout)."""
    from realtime.settings import CaptureParams, LiveParams, SentenceParams, SpeechParams
    from signlang.features.holistic import HolisticSettings
    from signlang.features.settings import ExtractParams
    from signlang.settings import load_sections

    if path is None and not paths.PARAMS_FILE.is_file():
        return RealtimeSettings(LiveParams(), SentenceParams(), CaptureParams(), SpeechParams(), HolisticSettings(),
                                "built-in defaults (no params.yaml here)")
    chosen = path or paths.PARAMS_FILE
    params = load_sections(chosen, live=LiveParams, sentence=SentenceParams, capture=CaptureParams,
                           speech=SpeechParams, extract=ExtractParams)
    return RealtimeSettings(params.live, params.sentence, params.capture, params.speech,
                            HolisticSettings.from_params(params.extract), str(chosen))


def _add_params_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", type=Path, default=None,
                        help="params.yaml to read the live/sentence/speech/capture/extract sections from (default ./params.yaml)")


# --------------------------------------------------------------------------- live


def configure_live(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--source", default="0", help="camera index (0), video file or stream URL (default 0)")
    parser.add_argument("--no-window", dest="window", action="store_false",
                        help="no window (headless: use --out-video/--out-json)")
    parser.add_argument("--out-video", type=Path, default=None, help="write the annotated video (.mp4)")
    parser.add_argument("--out-json", type=Path, default=None, help="write one JSON line per classified window")
    parser.add_argument("--screenshot", type=Path, default=None, help="save the last annotated frame (.png) on exit")
    parser.add_argument("--speak", action="store_true",
                        help="speak each new word (espeak-ng, in params.yaml speech.language)")
    parser.add_argument("--max-frames", type=int, default=None, help="stop after this many frames")
    _add_params_argument(parser)


def run_live_command(args: argparse.Namespace) -> int:
    from realtime.runner import LiveOptions, run_live
    from realtime.sources import open_source
    from realtime.window import check_display
    from signlang.errors import ParamsError
    from signlang.serving.bundle import Bundle
    from signlang.serving.resolve import resolve_bundle

    if args.max_frames is not None and args.max_frames < 1:
        raise ParamsError(f"--max-frames: must be at least 1, got {args.max_frames}")
    # A clone with nothing exported yet is told so first; a named model is resolved after the
    # cheap checks of the display and the source (a registry model is a download).
    resolved = resolve_bundle(None) if args.model is None else None
    settings = load_settings(args.params)
    options = LiveOptions(source=str(args.source), window=args.window, out_video=args.out_video,
                          out_json=args.out_json, speak=args.speak, speech_language=settings.speech.language,
                          max_frames=args.max_frames,
                          screenshot=args.screenshot)
    if options.window:
        check_display("live", "--no-window with --out-video/--out-json")
    open_source(options.source).close()  # a bad source fails before the model is fetched
    resolved = resolved or resolve_bundle(args.model)
    bundle = Bundle.load(resolved.path)
    print(f"live: {resolved.description}: {len(bundle.classes)} classes ({', '.join(bundle.classes)}); "
          f"settings from {settings.origin}", flush=True)
    run_live(bundle, options, settings.live, settings.holistic, settings.sentence)
    return 0


# --------------------------------------------------------------------------- capture


def configure_capture(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--label", required=True, help="the word signed (any script, e.g. 'cảm ơn')")
    parser.add_argument("--count", type=int, required=True, help="samples to save")
    parser.add_argument("--signer", required=True, help="signer id: files are <signer>_<n>.mp4")
    parser.add_argument("--source", default="0", help="camera index (0) or video file (default 0)")
    parser.add_argument("--raw-dir", type=Path, default=paths.RAW_DIR, help=f"where <label>/ folders go (default {paths.RAW_DIR})")
    parser.add_argument("--no-window", dest="window", action="store_false", help="no window (headless)")
    _add_params_argument(parser)


def run_capture_command(args: argparse.Namespace) -> int:
    from realtime.capture import CaptureOptions, run_capture

    settings = load_settings(args.params)
    options = CaptureOptions(label=args.label, count=args.count, signer=args.signer, source=str(args.source),
                             raw_dir=args.raw_dir, window=args.window)
    summary = run_capture(options, settings.capture, settings.holistic)
    if not summary.saved:
        print("capture: no sample saved", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- serve


def configure_serve(parser: argparse.ArgumentParser) -> None:
    add_model_argument(parser)
    parser.add_argument("--host", default=None,
                        help="address to listen on (default params.yaml serve.host; 0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default params.yaml serve.port)")
    parser.add_argument("--ssl-certfile", type=Path, default=None,
                        help="PEM certificate: serve over HTTPS (a browser on another device opens the camera only "
                             "over HTTPS); with --ssl-keyfile")
    parser.add_argument("--ssl-keyfile", type=Path, default=None, help="the certificate's PEM private key")
    parser.add_argument("--max-sessions", type=int, default=None,
                        help="live WebSocket sessions at once (default params.yaml serve.max_sessions)")
    parser.add_argument("--params", type=Path, default=None,
                        help="params.yaml with the serve, sentence, extract and live sections (default ./params.yaml)")


def load_served_bundle(args: argparse.Namespace) -> tuple[Bundle, str]:
    """The bundle `--model` names (the one resolver of live, serve and evaluate), and how /health
    describes it."""
    from signlang.serving.resolve import load_bundle

    return load_bundle(args.model)


def run_serve_command(args: argparse.Namespace) -> int:
    from realtime.server.app import create_app
    from realtime.server.config import load_server_settings
    from realtime.server.run import check_certificate, serve_app
    from signlang.errors import ParamsError

    settings = load_server_settings(args.params)
    host = args.host or settings.serve.host
    port = settings.serve.port if args.port is None else args.port
    if not 0 <= port <= 65535:
        raise ParamsError(f"--port: {port} is not a port number (0-65535)")
    if args.max_sessions is not None:
        if args.max_sessions < 1:
            raise ParamsError(f"--max-sessions: must be at least 1, got {args.max_sessions}")
        settings = settings.with_serve(max_sessions=args.max_sessions)
    check_certificate(args.ssl_certfile, args.ssl_keyfile)  # before the bundle is loaded
    bundle, model = load_served_bundle(args)
    scheme = "https" if args.ssl_certfile else "http"
    print(f"serve: {model} ({len(bundle.classes)} classes) on {scheme}://{host}:{port}/; settings from "
          f"{settings.origin}; at most {settings.serve.max_sessions} live sessions", flush=True)
    if scheme == "http" and host not in ("127.0.0.1", "localhost", "::1"):
        print("serve: over plain HTTP a browser opens the camera only on this machine (http://localhost); "
              "for other devices serve HTTPS with --ssl-certfile and --ssl-keyfile", flush=True)
    serve_app(create_app(bundle, settings, model), host, port, args.ssl_certfile, args.ssl_keyfile)
    return 0
