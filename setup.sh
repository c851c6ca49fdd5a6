#!/usr/bin/env bash
# One command sets everything up: a virtual environment in .venv with the pinned versions
# of requirements.lock (the pipeline, the live tools and the tests), the project installed
# editable (console command `signlang`), and the DVC repository checked. Safe to run again.
#   PYTHON=python3.12 bash setup.sh    another interpreter: Python 3.11 or 3.12 (default python3.11)
#   VENV=/tmp/venv312 bash setup.sh    another environment folder (default .venv; outside the
#                                      checkout, or ruff and git see it)
set -euo pipefail
cd "$(dirname "$0")"

VENV=${VENV:-.venv}
if [ -z "${PYTHON:-}" ]; then  # python3.11, else the system's python3 (Ubuntu 24.04: 3.12)
    PYTHON=python3.11
    "$PYTHON" -c 'import sys' >/dev/null 2>&1 || PYTHON=python3
fi
"$PYTHON" - <<'PY' || { echo "setup: Python 3.11 or 3.12 is required (mediapipe 0.10.21 + tensorflow 2.19); $PYTHON is not (set PYTHON=...)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info[:2] in ((3, 11), (3, 12)) else 1)
PY

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip --version >/dev/null 2>&1 || "$VENV/bin/python" -m ensurepip --upgrade >/dev/null
"$VENV/bin/python" -m pip install --quiet --upgrade pip "uv==0.13.8"
# uv installs the locked set in seconds; pip is the fallback with the same lock file (one lock for
# Python 3.11 and 3.12: `uv pip compile --universal`, see its first lines).
if ! "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" -r requirements.lock; then
    "$VENV/bin/python" -m pip install --quiet -r requirements.lock
fi
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps -e . \
    || "$VENV/bin/python" -m pip install --quiet --no-deps -e .
# uv writes no bytecode, and where PYTHONDONTWRITEBYTECODE is set (CI images) Python never caches
# it either: every stage would compile TensorFlow, Keras and MLflow from source again, ~10 s per
# process. Compiled once here (~40 s on 2 cores; a few seconds when already done).
"$VENV/bin/python" -m compileall -q -j 0 "$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" >/dev/null 2>&1 \
    || echo "setup: some files in $VENV did not compile to bytecode; everything still runs, slower" >&2

# The Debian system libraries OpenCV/MediaPipe need are present on a standard image;
# check the imports now so a missing one is reported here, not mid-pipeline.
"$VENV/bin/python" -c "import cv2, mediapipe, tensorflow, dvc, mlflow" 2>/dev/null \
    || { echo "setup: an import failed; run: $VENV/bin/python -c 'import cv2, mediapipe, tensorflow'" >&2; exit 1; }
# Debian tools the test suite drives for real: headless Chromium + chromedriver (the web page
# end to end), PostgreSQL (a shared MLflow server), Xvfb (the live window), espeak-ng (--speak).
# And what labels in any script on video need (realtime/text.py): Noto fonts for Arabic, Hebrew,
# Devanagari, Thai (fonts-noto-core, 12 MB download, 42 MB installed) and Hangul, kana, Han
# (fonts-noto-cjk, 57 MB, 91 MB), libfribidi for Pillow's libraqm layout (shaping and bidi).
# Installed when this runs as root with apt-get (CI, containers); otherwise listed.
TEXT_PACKAGES="fonts-noto-core fonts-noto-cjk libfribidi0"
test_tools_missing() {
    for tool in chromium chromedriver pg_ctlcluster Xvfb espeak-ng; do
        command -v "$tool" >/dev/null || return 0
    done
    for package in $TEXT_PACKAGES; do
        dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed || return 0
    done
    return 1
}
if test_tools_missing; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        # shellcheck disable=SC2086
        apt-get update -qq && apt-get install -y -qq chromium chromium-driver postgresql xvfb espeak-ng \
            $TEXT_PACKAGES >/dev/null
    else
        echo "setup: for the full test suite and labels in any script on video also install (Debian):" \
            "chromium chromium-driver postgresql xvfb espeak-ng $TEXT_PACKAGES"
    fi
fi
echo "setup: done. Activate with: source $VENV/bin/activate"
