#!/usr/bin/env bash
# One command sets everything up: a virtual environment in .venv with the pinned versions
# of requirements.lock, the project installed editable (console command `signlang`), and
# the DVC repository checked. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" - <<'PY' || { echo "setup: Python 3.11 is required (mediapipe 0.10.21 + tensorflow 2.19)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)
PY

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip --upgrade >/dev/null
.venv/bin/python -m pip install --quiet --upgrade pip "uv==0.13.8"
# uv installs the locked set in seconds; pip is the fallback with the same lock file.
if ! .venv/bin/uv pip install --quiet --python .venv/bin/python -r requirements.lock; then
    .venv/bin/python -m pip install --quiet -r requirements.lock
fi
.venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e . \
    || .venv/bin/python -m pip install --quiet --no-deps -e .
# uv writes no bytecode, and where PYTHONDONTWRITEBYTECODE is set (CI images) Python never caches
# it either: every stage would compile TensorFlow, Keras and MLflow from source again, ~10 s per
# process. Compiled once here (~40 s on 2 cores; a few seconds when already done).
.venv/bin/python -m compileall -q -j 0 .venv/lib/python3.11/site-packages >/dev/null \
    || echo "setup: some files in .venv did not compile to bytecode; everything still runs, slower" >&2

# The Debian system libraries OpenCV/MediaPipe need are present on a standard image;
# check the imports now so a missing one is reported here, not mid-pipeline.
.venv/bin/python -c "import cv2, mediapipe, tensorflow, dvc, mlflow" 2>/dev/null \
    || { echo "setup: an import failed; run: .venv/bin/python -c 'import cv2, mediapipe, tensorflow'" >&2; exit 1; }
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
echo "setup: done. Activate with: source .venv/bin/activate"
