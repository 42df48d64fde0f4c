#!/usr/bin/env bash
# Install SafeLog for the current user from this checkout, then start it:
#   bash packaging/linux/install.sh [--no-start]
# Installs the Debian packages Qt needs (with sudo when not root), SafeLog in its own Python
# environment, a `safelog` command in ~/.local/bin and a desktop menu entry. Run it again after
# updating the checkout; it is quick when nothing changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=packaging/linux/system-packages.sh
source "$here/system-packages.sh"

start=yes
for arg in "$@"; do
  case $arg in
    --no-start) start=no ;;
    -h | --help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

share=${XDG_DATA_HOME:-$HOME/.local/share}
venv=${SAFELOG_VENV:-$share/safelog/venv}
bin_dir=$HOME/.local/bin
launcher=$bin_dir/safelog

ensure_apt_packages "${SAFELOG_RUNTIME_PACKAGES[@]}"
ensure_venv "$venv"

# A regular (not editable) install, so the app keeps working if this checkout moves. It is
# built from a copy, so nothing is written into the checkout and no stale build/ folder from an
# earlier build can leak old files into the install.
stamp=$venv/.safelog-install
wanted=$(tree_fingerprint "$repo/pyproject.toml" "$repo/safelog" "$repo/resources")
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing SafeLog into $venv" >&2
  source_copy=$(mktemp -d)
  trap 'rm -rf "$source_copy"' EXIT
  cp -R "$repo/pyproject.toml" "$repo/README.md" "$repo/safelog" "$repo/resources" "$source_copy/"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "${source_copy}[postgres]" >&2
  rm -rf "$source_copy"
  echo "$wanted" >"$stamp"
fi

mkdir -p "$bin_dir"
ln -sfn "$venv/bin/safelog" "$launcher"

# Menu entry, software-centre metadata and icons (freedesktop.org locations, per user). The
# entry is named by the app's id; an entry from before it was (safelog.desktop) is replaced.
app_id=uk.org.safelog.SafeLog
apps=$share/applications
icons=$share/icons/hicolor
mkdir -p "$apps" "$share/metainfo"
sed "s|^Exec=safelog\$|Exec=\"$launcher\"|" "$here/$app_id.desktop" >"$apps/$app_id.desktop"
rm -f "$apps/safelog.desktop"
cp "$here/$app_id.metainfo.xml" "$share/metainfo/$app_id.metainfo.xml"
for size in 16 32 64 128 256; do
  mkdir -p "$icons/${size}x$size/apps"
  cp "$repo/resources/icons/safelog-$size.png" "$icons/${size}x$size/apps/safelog.png"
done
mkdir -p "$icons/scalable/apps"
cp "$repo/resources/icons/safelog.svg" "$icons/scalable/apps/safelog.svg"
# Refresh the desktop's caches where it keeps them; menus pick the entry up without this too.
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q "$apps" || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t "$icons" || true
fi

echo "SafeLog is installed: run 'safelog' (the command is $launcher), or open it from the menu."
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "Note: $bin_dir is not on your PATH yet; it will be after you next log in." ;;
esac

if [ "$start" = no ]; then
  exit 0
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "There is no desktop display in this session, so SafeLog was not started." >&2
  exit 0
fi
exec "$launcher"
