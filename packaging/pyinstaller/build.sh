#!/usr/bin/env bash
# Make the one-folder frozen build from a clean environment:
#   bash packaging/pyinstaller/build.sh            # -> dist/SafeLog/ (SafeLog and safelog-cli)
# Runs on Linux and on Windows (Git Bash, as in .github/workflows/windows.yml). Each run makes a
# new virtual environment in build/frozen-env with pinned PyInstaller and SafeLog installed
# normally (not editable) from a copy of this checkout, so the folder holds exactly what the
# wheel holds; nothing is reused from an earlier run. SAFELOG_FROZEN_DIST moves the output
# (default dist/); SAFELOG_PYTHON picks the Python (default: the first of python3, python and py
# that is 3.11 or newer; the Microsoft Store's python3 alias is not, so it is passed over).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

pyinstaller_pins=(pyinstaller==6.22.3 pyinstaller-hooks-contrib==2026.9)
dist=${SAFELOG_FROZEN_DIST:-$repo/dist}
work=$repo/build/frozen
env_dir=$repo/build/frozen-env
started=$SECONDS

python=${SAFELOG_PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3 python py; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      python=$candidate
      break
    fi
  done
fi
if [ -z "$python" ]; then
  echo "build.sh: needs Python 3.11 or newer (set SAFELOG_PYTHON)." >&2
  exit 1
fi

# Paths as Windows' own programs want them under Git Bash (C:/...); unchanged elsewhere.
native() { if command -v cygpath >/dev/null 2>&1; then cygpath -m "$1"; else echo "$1"; fi; }

rm -rf "$env_dir" "$work" "$dist/SafeLog"
mkdir -p "$work" "$dist"
"$python" -m venv "$env_dir"
if [ -x "$env_dir/Scripts/python.exe" ]; then
  env_python=$env_dir/Scripts/python.exe   # Windows
else
  env_python=$env_dir/bin/python
fi

# Built from a copy so no build/ or egg-info is left in the checkout to leak into a later build.
source_copy=$work/source
mkdir -p "$source_copy"
cp -R pyproject.toml README.md safelog resources "$source_copy/"
"$env_python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$env_python" -m pip install --quiet --disable-pip-version-check \
  "${pyinstaller_pins[@]}" "$(native "$source_copy")[postgres]"
echo "build.sh: environment ready ($((SECONDS - started)) s)" >&2

# Run from outside the checkout, so the installed copy of safelog is found, not this one.
(cd "$work" && "$env_python" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$(native "$dist")" --workpath "$(native "$work/pyinstaller")" \
  "$(native "$repo/packaging/pyinstaller/safelog.spec")")
rm -rf "$source_copy"

# What a frozen build must carry, checked here so a broken build fails at once, by name.
if [ -f "$dist/SafeLog/safelog-cli.exe" ]; then exe=.exe; else exe=; fi
for must in "SafeLog$exe" "safelog-cli$exe"; do
  [ -f "$dist/SafeLog/$must" ] || { echo "build.sh: $must is missing from the build" >&2; exit 1; }
done
internal=$dist/SafeLog/_internal
for must in safelog/resources/fonts safelog/resources/icons safelog/store/migrations/env.py \
  safelog/store/migrations/versions; do
  [ -e "$internal/$must" ] || { echo "build.sh: $must is missing from the build" >&2; exit 1; }
done
if ! find "$internal" -path '*PySide6*plugins/platforms*' -name '*qoffscreen*' | grep -q .; then
  echo "build.sh: Qt platform plugins are missing from the build" >&2
  exit 1
fi
echo "build.sh: $dist/SafeLog built in $((SECONDS - started)) s" >&2
