"""The `signlang` console command: one subcommand per task, outside the DVC pipeline.

    signlang evaluate --model models/bundle --data FOLDER --out scores.json

Each subcommand is a module (`signlang/cli/<command>.py`, `realtime/cli.py`, `bench/cli.py`) with
a `configure(parser)` that declares its arguments and a handler that parses them and calls the
library's plain functions; SUBCOMMANDS lists them, imported only when chosen.
A SignlangError (missing file, bad parameter) is one `error: ...` line on stderr and exit
status 1; `--debug` (or SIGNLANG_DEBUG=1) shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

Configure = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[argparse.Namespace], int | None]


def lazy(module: str, configure: str = "configure", handler: str = "run") -> tuple[Configure, Handler]:
    """A subcommand's (configure, handler) from `module`, imported only when used."""
    from importlib import import_module

    return (lambda parser: getattr(import_module(module), configure)(parser),
            lambda args: getattr(import_module(module), handler)(args))


SUBCOMMANDS: dict[str, tuple[str, Configure, Handler]] = {
    "evaluate": ("score an exported bundle on a folder of labelled samples", *lazy("signlang.cli.evaluate")),
    "serve": ("web page, WebSocket and REST API translating signs live over a bundle", *lazy("realtime.cli", "configure_serve", "run_serve_command")),
    "report": ("Markdown report of a change: base and head bundles on the same test windows, with intervals", *lazy("signlang.cli.report")),
    "import": ("copy or link a dataset into data/raw and track it with DVC (a new dataset version)", *lazy("signlang.cli.import_data")),
    "live": ("translate signs live from a camera, video file or stream (window or headless)", *lazy("realtime.cli", "configure_live", "run_live_command")),
    "capture": ("record labelled samples for training from a camera or video file", *lazy("realtime.cli", "configure_capture", "run_capture_command")),
    "cv": ("leave-signers-out cross-validation of presets on the same folds", *lazy("signlang.cli.cv")),
    "audit": ("find wrong labels, foreign signs, missing hands and duplicated people in data folders", *lazy("signlang.cli.audit")),
    "bench": ("benchmark against the source projects' way, side by side: table + reports/bench.json", *lazy("bench.cli")),
}


# --------------------------------------------------------------------------- entry point


def chosen_subcommand(argv: list[str]) -> str | None:
    """The subcommand named on the command line (the first argument that is not an option)."""
    positional = [arg for arg in argv if not arg.startswith("-")]
    return positional[0] if positional and positional[0] in SUBCOMMANDS else None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen subcommand declares its arguments (so `signlang --help`
    imports no subcommand's module, and none of TensorFlow, MediaPipe or MLflow)."""
    argv = sys.argv[1:] if argv is None else argv
    chosen = chosen_subcommand(argv)
    parser = argparse.ArgumentParser(prog="signlang", description="Sign-language recognition tools.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    parser.add_argument("--verbose", action="store_true",
                        help="keep MediaPipe/TFLite/TensorFlow native log lines (or SIGNLANG_VERBOSE=1)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (summary, configure, handler) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        # Also accepted after the subcommand; SUPPRESS keeps a --debug given before it.
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show the traceback of an error")
        sub.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help="keep native log lines")
        if name == chosen:
            configure(sub)
        sub.set_defaults(handler=handler)
    return parser


def _debug_from_environment() -> bool:
    return os.environ.get("SIGNLANG_DEBUG", "").lower() in ("1", "true", "yes")


# What the base install (live, serve, capture, evaluate) leaves out: the `pipeline` extra's packages.
PIPELINE_MODULES = frozenset({"tensorflow", "keras", "mlflow", "sklearn", "scipy", "dvc", "joblib"})


def missing_pipeline_package(exc: ModuleNotFoundError, command: str | None) -> str | None:
    """The one-line error for a command run in the base install that needs the pipeline's packages."""
    if (exc.name or "").split(".")[0] not in PIPELINE_MODULES:
        return None
    return (f"signlang {command or ''}: needs the pipeline's packages ({exc.name} is not installed): "
            "pip install 'signlang[pipeline]', or bash setup.sh in a checkout")


def main(argv: list[str] | None = None) -> int:
    from signlang.errors import SignlangError

    args = build_parser(argv).parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except ModuleNotFoundError as exc:
        message = missing_pipeline_package(exc, args.command)
        if message is None or args.debug or _debug_from_environment():
            raise
        print(f"error: {message}", file=sys.stderr)
        return 1
    except SignlangError as exc:
        if args.debug or _debug_from_environment():
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def console() -> None:
    """The `signlang` console script: native log chatter filtered unless --verbose, then main."""
    from signlang.native_logs import quiet_native_logs, verbose_requested

    quiet_native_logs(verbose_requested())
    sys.exit(main())
