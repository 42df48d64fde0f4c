# shellcheck shell=bash disable=SC2034
# Shared by packaging/linux/install.sh and .ci/setup (source it, do not run it):
# the Debian packages SafeLog needs, and how to install only the missing ones.

# Python with venv, and the libraries Qt's xcb and Wayland platform plugins load, plus a font.
SAFELOG_RUNTIME_PACKAGES=(
  python3 python3-venv
  libegl1 libgl1 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-glx0
  libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0
  libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xinerama0
  libxcb-xkb1 libwayland-client0 libwayland-cursor0 libwayland-egl1
  fonts-dejavu-core
)

# What the test suite and the screenshot and PDF checks need on top: x11-utils (xwininfo) for
# the frozen app's window check, appstream and desktop-file-utils to validate packaging/linux/.
SAFELOG_TEST_PACKAGES=(xvfb xauth x11-utils poppler-utils postgresql appstream desktop-file-utils)

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_apt_packages NAME...: install those not yet installed; quick when none are missing.
ensure_apt_packages() {
  local missing=() name
  for name in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$name" 2>/dev/null)" = "ii " ] ||
      missing+=("$name")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "These system packages are missing and there is no apt-get to install them:" >&2
    echo "  ${missing[*]}" >&2
    return 1
  fi
  echo "Installing system packages: ${missing[*]}" >&2
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# find_python: print a Python 3.11+ that can make virtual environments.
# SAFELOG_PYTHON wins; then python3 on PATH; then Debian's /usr/bin/python3.
find_python() {
  local candidate
  for candidate in ${SAFELOG_PYTHON:-} python3 /usr/bin/python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' \
        2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "SafeLog needs Python 3.11 or newer with the venv module (Debian: python3-venv)." >&2
  return 1
}

# ensure_venv DIR: create a virtual environment in DIR unless a working one is there.
ensure_venv() {
  local dir=$1 python
  if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import sys' 2>/dev/null; then
    return 0
  fi
  python=$(find_python)
  rm -rf "$dir"
  echo "Creating a Python environment in $dir" >&2
  "$python" -m venv --upgrade-deps "$dir" >&2
}

# tree_fingerprint PATH...: one hash over the given files and every file under the given folders
# (caches excluded), so installs can be skipped when nothing changed.
tree_fingerprint() {
  find "$@" -type f -not -path '*/__pycache__/*' -not -name '*.pyc' -print0 | LC_ALL=C sort -z |
    xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}
