#!/bin/sh
# The scripted walk-through (walkthrough.py) under Xvfb at 1280x720 and 1600x1000, in the
# light theme and, for the DSL's inbox and a case, the dark one. Run from anywhere:
#   packaging/screenshots/walkthrough.sh [python]
# Pictures: packaging/screenshots/1280x720/ and packaging/screenshots/1600x1000/.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${1:-"$HERE/../../.venv/bin/python"}
export QT_QPA_PLATFORM=xcb
for size in 1280x720 1600x1000; do
    rm -f "$HERE/$size"/*.png
    xvfb-run -a -s "-screen 0 ${size}x24" "$PYTHON" "$HERE/walkthrough.py" "$size"
    SAFELOG_THEME=dark xvfb-run -a -s "-screen 0 ${size}x24" \
        "$PYTHON" "$HERE/walkthrough.py" "$size" --dark
done
