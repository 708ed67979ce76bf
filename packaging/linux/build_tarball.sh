#!/usr/bin/env bash
# Packs a PyInstaller onedir folder as courtyard-<version>-linux-<arch>.tar.gz, for machines that
# do not use .deb packages: unpack anywhere and run courtyard-<version>/courtyard.
#
#   packaging/linux/build_tarball.sh ONEDIR VERSION OUTDIR [ARCH]
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 ONEDIR VERSION OUTDIR [ARCH]" >&2
  exit 2
fi
onedir=$(cd "$1" && pwd)
version=$2
outdir=$3
arch=${4:-$(uname -m)}
[ -x "$onedir/courtyard" ] || { echo "$onedir/courtyard is missing or not executable" >&2; exit 1; }

mkdir -p "$outdir"
tarball="$(cd "$outdir" && pwd)/courtyard-${version}-linux-${arch}.tar.gz"
# Owner and order fixed, so the same onedir always gives the same archive contents.
tar --create --gzip --file "$tarball" --sort=name --owner=0 --group=0 --numeric-owner \
  --directory "$(dirname "$onedir")" --transform "s,^$(basename "$onedir"),courtyard-${version}," \
  "$(basename "$onedir")"
echo "$tarball"
