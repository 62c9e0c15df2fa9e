#!/usr/bin/env bash
# Builds the Debian package with debhelper; run by `make deb` (which installs the
# build tools and builds the web UI first). Output: $DIST_DIR/tidecast_<version>_<arch>.deb
# and its tidecast-dbgsym package.
#
# packaging/debian/ is copied into a staging tree ($DEB_BUILD_DIR/pkg/debian) with
# two generated files:
#   control    control.in with Build-Depends filled from packaging/build-deps.txt
#   changelog  one entry for the version
# The sources stay in the repository; CMake builds in $DEB_BUILD_DIR/cmake, which is
# kept between runs so a rebuild only compiles what changed.
#
# Environment:
#   TIDECAST_DEB_VERSION  package version (default: project(tidecast VERSION ...) in CMakeLists.txt)
#   DEB_BUILD_DIR         scratch directory (default: build-deb)
#   DIST_DIR              where the .deb files go (default: dist)
#   JOBS                  parallel compile jobs (default: nproc)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
die() { echo "build-deb: $*" >&2; exit 1; }

build_dir=$(realpath -m "${DEB_BUILD_DIR:-build-deb}")
dist_dir=$(realpath -m "${DIST_DIR:-dist}")
jobs=${JOBS:-$(nproc)}
[ "$build_dir" != "$root/build" ] || die "refusing to use the developer build directory build/"

upstream=$(sed -n 's/^project(tidecast VERSION \([0-9][0-9.]*\)[ )].*/\1/p' CMakeLists.txt)
[ -n "$upstream" ] || die "no 'project(tidecast VERSION x.y.z ...)' line in CMakeLists.txt"
version=${TIDECAST_DEB_VERSION:-$upstream}
dpkg --validate-version "$version" || die "invalid version '$version'"
case $version in
  *-*) die "version '$version' has a Debian revision; the package is native, use e.g. $upstream+foo" ;;
esac
arch=$(dpkg --print-architecture)

# Build-Depends: every package of build-deps.txt except build-essential, which
# Debian policy makes implicit (and lintian rejects as a build dependency).
build_depends=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' packaging/build-deps.txt \
  | grep -v -e '^$' -e '^build-essential$' | sed 's/.*/ &,/')
[ -n "$build_depends" ] || die "packaging/build-deps.txt lists no packages"

stage=$build_dir/pkg
rm -rf "$stage"
mkdir -p "$stage" "$build_dir/cmake" "$dist_dir"
cp -a packaging/debian "$stage/debian"
rm "$stage/debian/control.in"
{
  sed '/^#/d; /^@BUILD_DEPENDS@$/,$d' packaging/debian/control.in
  printf '%s\n' "$build_depends"
  sed '1,/^@BUILD_DEPENDS@$/d' packaging/debian/control.in
} > "$stage/debian/control"
grep -q '^Build-Depends:' "$stage/debian/control" && ! grep -q '@BUILD_DEPENDS@' "$stage/debian/control" \
  || die "control.in must have a Build-Depends field followed by an @BUILD_DEPENDS@ line"

maintainer=$(sed -n 's/^Maintainer: //p' packaging/debian/control.in)
commit=$(git rev-parse --short HEAD 2>/dev/null || true)
# The changelog date (which dpkg also uses as SOURCE_DATE_EPOCH) is the last
# commit's, so rebuilding the same commit gives the same package.
date=$(git log -1 --format=%cD 2>/dev/null || true)
[ -n "$date" ] || date=$(date -R)
cat > "$stage/debian/changelog" <<EOF
tidecast ($version) unstable; urgency=medium

  * Tidecast $version${commit:+, built from commit $commit}.

 -- $maintainer  $date
EOF

# dh points HOME at a scratch directory; keep ccache's cache where it normally is.
if command -v ccache >/dev/null; then
  export CCACHE_DIR=${CCACHE_DIR:-$(ccache --get-config cache_dir)}
fi

rm -f "$build_dir"/tidecast*_*.deb "$build_dir"/tidecast_*.buildinfo "$build_dir"/tidecast_*.changes
echo "build-deb: tidecast $version ($arch), Build-Depends from packaging/build-deps.txt"
(
  cd "$stage"
  TIDECAST_SOURCE_DIR=$root TIDECAST_CMAKE_DIR=$build_dir/cmake \
    dpkg-buildpackage --build=binary --no-sign -J"$jobs"
)

deb=tidecast_${version}_${arch}.deb
dbgsym=tidecast-dbgsym_${version}_${arch}.deb
[ -f "$build_dir/$deb" ] || die "dpkg-buildpackage did not produce $deb"
rm -f "$dist_dir"/tidecast_*.deb "$dist_dir"/tidecast-dbgsym_*.deb
mv "$build_dir/$deb" "$dist_dir/"
[ ! -f "$build_dir/$dbgsym" ] || mv "$build_dir/$dbgsym" "$dist_dir/"
echo "build-deb: $(realpath --relative-to="$root" "$dist_dir/$deb")"
