#!/usr/bin/env bash
# Builds courtyard_<version>_<arch>.deb from a PyInstaller onedir folder, with dpkg-deb only, so
# the same script runs in CI, in the release workflow and on a developer's Debian machine.
#
#   packaging/linux/build_deb.sh ONEDIR VERSION OUTDIR [ARCH]
#
# ONEDIR is dist/courtyard (the `courtyard` launcher plus _internal/). The package installs it to
# /opt/courtyard, links /usr/bin/courtyard to the launcher, and adds the .desktop file and the
# icon. It never ships /etc/courtyard/policy.json: that file belongs to IT, so removing or purging
# the package leaves machine policy alone (and user data in ~/.local/share/Courtyard too).
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 ONEDIR VERSION OUTDIR [ARCH]" >&2
  exit 2
fi
onedir=$1
version=$2
outdir=$3
arch=${4:-$(dpkg --print-architecture)}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

[ -x "$onedir/courtyard" ] || { echo "$onedir/courtyard is missing or not executable" >&2; exit 1; }
[ -d "$onedir/_internal" ] || { echo "$onedir/_internal is missing: not a onedir build?" >&2; exit 1; }

# The shared libraries the bundled Qt xcb platform plugin loads from the system (PySide6 wheels
# bring Qt itself, not X11, GL, fonts or D-Bus). t64 alternatives cover Ubuntu 24.04 and Debian 13.
depends=(
  "libc6 (>= 2.31)"
  "libglib2.0-0t64 | libglib2.0-0"
  libegl1 libgl1 libfontconfig1 libfreetype6 libdbus-1-3
  libx11-6 libx11-xcb1 libxcb1 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
)
joined=$(printf '%s, ' "${depends[@]}")
joined=${joined%, }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/courtyard

install -d "$pkg/DEBIAN" "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/applications" \
  "$pkg/usr/share/icons/hicolor/scalable/apps" "$pkg/usr/share/doc/courtyard"
cp -a "$onedir" "$pkg/opt/courtyard"
chmod -R u+rwX,go+rX,go-w "$pkg/opt/courtyard"
ln -s /opt/courtyard/courtyard "$pkg/usr/bin/courtyard"
install -m 0644 "$here/courtyard.desktop" "$pkg/usr/share/applications/courtyard.desktop"
install -m 0644 "$root/resources/icons/courtyard.svg" \
  "$pkg/usr/share/icons/hicolor/scalable/apps/courtyard.svg"
cat > "$pkg/usr/share/doc/courtyard/copyright" <<'COPYRIGHT'
Courtyard desktop messenger. Proprietary; see the licence agreement of your organisation.
COPYRIGHT
chmod 0644 "$pkg/usr/share/doc/courtyard/copyright"

installed_size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<CONTROL
Package: courtyard
Version: $version
Architecture: $arch
Maintainer: Courtyard <packaging@courtyard.example>
Section: net
Priority: optional
Installed-Size: $installed_size
Depends: $joined
Homepage: https://courtyard.example
Description: desktop messenger for the inside of a company
 Courtyard keeps work talk, decisions and documents on the company's own
 server: channels with topics, read receipts, workday status, off-hours
 and an encrypted local copy of the user's messages.
CONTROL

mkdir -p "$outdir"
deb="$outdir/courtyard_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$pkg" "$deb" >/dev/null
echo "$deb"
