"""`--speak`: say each new word with an offline engine (espeak-ng) in a background thread,
so the video loop never waits for speech. Words queue up; a word that cannot be spoken is
reported once and dropped. The language (params.yaml `speech.language`, an espeak-ng language
or voice such as vi, es, tr or ar) is passed as `-v`, so `cảm ơn` is read as Vietnamese.
"""

from __future__ import annotations

import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ENGINE = "espeak-ng"
_STOP = None


def find_engine() -> str | None:
    """The espeak-ng executable, or None when it is not installed."""
    return shutil.which(ENGINE)


class Speaker:
    """Speaks queued words one after the other on its own thread.

    With `wav_dir`, each word is written to `<wav_dir>/<n>_<word>.wav` instead of the sound
    card (for machines without audio, and to check what was said).
    """

    def __init__(self, engine: str, wav_dir: str | Path | None = None, voice: str | None = None) -> None:
        self.engine = engine
        self.wav_dir = Path(wav_dir) if wav_dir is not None else None
        self.voice = voice
        self.spoken = 0
        self._failed = False
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="speaker", daemon=True)
        self._thread.start()

    def say(self, word: str) -> None:
        """Queue a word; returns at once."""
        self._queue.put(word)

    def close(self, timeout: float = 10.0) -> None:
        """Speak what is queued (up to `timeout` seconds), then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _command(self, word: str) -> list[str]:
        command = [self.engine]
        if self.voice:
            command += ["-v", self.voice]
        if self.wav_dir is not None:
            command += ["-w", str(self.wav_dir / f"{self.spoken + 1}_{word}.wav")]
        return command + ["--", word]

    def _work(self) -> None:
        while (word := self._queue.get()) is not _STOP:
            try:
                subprocess.run(self._command(word), check=True, capture_output=True, timeout=30)
                self.spoken += 1
            except (OSError, subprocess.SubprocessError) as exc:
                if not self._failed:
                    print(f"speak: warning: {self.engine} could not say {word!r}: {exc}", file=sys.stderr, flush=True)
                    self._failed = True


def has_voice(engine: str, language: str) -> bool:
    """Does the engine list a voice for `language` (`espeak-ng --voices=<language>`)?"""
    try:
        listed = subprocess.run([engine, f"--voices={language}"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0 and len(listed.stdout.strip().splitlines()) > 1  # a header, then voices


def start_speaker(wav_dir: str | Path | None = None, language: str | None = None) -> Speaker | None:
    """A Speaker on espeak-ng speaking `language` (None: its default voice), or None with a
    warning when no engine is installed. A language the engine has no voice for is named in
    a warning and the default voice speaks instead."""
    engine = find_engine()
    if engine is None:
        print(f"speak: warning: no offline speech engine found ({ENGINE} is not installed; "
              f"on Debian: apt-get install {ENGINE}); words will not be spoken", file=sys.stderr, flush=True)
        return None
    if language is not None and not has_voice(engine, language):
        print(f"speak: warning: {ENGINE} has no voice for speech.language {language!r} "
              f"(`{ENGINE} --voices` lists them); speaking in its default voice", file=sys.stderr, flush=True)
        language = None
    if wav_dir is not None:
        Path(wav_dir).mkdir(parents=True, exist_ok=True)
    return Speaker(engine, wav_dir, language)
