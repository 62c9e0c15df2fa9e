#!/usr/bin/env bash
# End-to-end test of the Debian package on this machine; run by `make test-package`
# after `make deb` (CI: as root on a fresh Debian 12, no systemd running).
#
#   lintian → install → run as the tidecast user → create a channel → publish with
#   ffmpeg and probe the live HLS → recording becomes a ready video → SIGTERM →
#   systemd-analyze verify → upgrade to <version>+test1 (local conffile edit and
#   catalog kept, video still playable) → remove keeps the data → purge deletes it.
#
# It changes the machine: the package is installed, then purged at the end (also
# when a step fails). A tidecast package that is already installed is purged
# first only in CI (CI set) or with TIDECAST_TEST_PURGE=1; otherwise the test stops.
# Environment: DIST_DIR (default dist), DEB_BUILD_DIR (default build-deb), JOBS,
# TIDECAST_KEEP_INSTALLED=1 to leave the package installed when a step fails.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env=CI,DIST_DIR,DEB_BUILD_DIR,JOBS,TIDECAST_KEEP_INSTALLED,TIDECAST_TEST_PURGE "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive

dist_dir=$(realpath -m "${DIST_DIR:-dist}")
build_dir=$(realpath -m "${DEB_BUILD_DIR:-build-deb}")
version=$(sed -n 's/^project(tidecast VERSION \([0-9][0-9.]*\)[ )].*/\1/p' CMakeLists.txt)
arch=$(dpkg --print-architecture)
deb=$dist_dir/tidecast_${version}_${arch}.deb
upgrade_version=${version}+test1
upgrade_dist=$build_dir/upgrade-dist
upgrade_deb=$upgrade_dist/tidecast_${upgrade_version}_${arch}.deb
config=/etc/tidecast/tidecast.json
data=/var/lib/tidecast
channel=pkgtest

work=$(mktemp -d /tmp/tidecast-test-package.XXXXXX)
server_log=$work/server.log
server_pid=""
publisher_pid=""
passed=0
current=""
installed_by_us=0

step() {
  current=$1
  printf '\n==> %s\n' "$1"
}
ok() { printf '    ok: %s\n' "$*"; }
pass() {
  passed=$((passed + 1))
  printf -- '--- PASS: %s\n' "$current"
}
fail() {
  printf '    FAIL: %s\n' "$*" >&2
  exit 1
}
installed_version() { dpkg-query -W -f='${db:Status-Abbrev} ${Version}' tidecast 2>/dev/null || true; }

cleanup() {
  local rc=$?
  set +e
  [ -z "$publisher_pid" ] || kill "$publisher_pid" 2>/dev/null
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    sleep 3
    kill -KILL "$server_pid" 2>/dev/null
  fi
  if [ "$rc" -ne 0 ]; then
    if [ -s "$server_log" ]; then
      echo "--- last server log lines ($server_log):"
      tail -n 40 "$server_log"
    fi
    printf -- '--- FAIL: %s\n' "$current"
    if [ "$installed_by_us" = 1 ] && [ "${TIDECAST_KEEP_INSTALLED:-}" != 1 ] && [ -n "$(installed_version)" ]; then
      echo "test-package: purging the package (TIDECAST_KEEP_INSTALLED=1 keeps it)"
      apt-get purge -y -qq tidecast >/dev/null
    fi
    echo
    echo "test-package: $passed passed, 1 failed"
  else
    echo
    echo "test-package: $passed passed, 0 failed"
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

# --- helpers -----------------------------------------------------------------

# Starts the installed server as the tidecast user, as the unit would (working
# directory /var/lib/tidecast), on free loopback ports (port 0; the chosen ones
# are printed at start). setpriv execs, so $! is the server's own PID.
start_server() {
  : > "$server_log"
  (
    cd "$data"
    exec setpriv --reuid=tidecast --regid=tidecast --init-groups --inh-caps=-all \
      env -i PATH=/usr/bin:/bin HOME="$data" LANG=C.UTF-8 \
      /usr/bin/tidecast --config "$config" --http-listen 127.0.0.1:0 --rtmp-listen 127.0.0.1:0
  ) >> "$server_log" 2>&1 &
  server_pid=$!
  local line="" i
  for ((i = 0; i < 300; i++)); do
    line=$(grep -m1 -o 'listening: http=[0-9]* rtmp=[0-9]*' "$server_log" || true)
    [ -z "$line" ] || break
    kill -0 "$server_pid" 2>/dev/null || fail "the server exited at start"
    sleep 0.1
  done
  [ -n "$line" ] || fail "the server printed no 'listening' line within 30 s"
  http_port=${line#*http=}
  http_port=${http_port%% *}
  rtmp_port=${line##*rtmp=}
  base=http://127.0.0.1:$http_port
  [ "$(stat -c %U /proc/"$server_pid")" = tidecast ] || fail "the server does not run as tidecast"
  ok "pid $server_pid runs as tidecast: http=$http_port rtmp=$rtmp_port"
}

# SIGTERM by PID; the server must exit 0 within 30 s.
stop_server() {
  kill -TERM "$server_pid"
  local i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    fail "the server did not exit within 30 s of SIGTERM"
  fi
  local rc=0
  wait "$server_pid" || rc=$?
  server_pid=""
  [ "$rc" -eq 0 ] || fail "the server exited with status $rc after SIGTERM"
  ok "SIGTERM: exited 0 after $((i / 10)).$((i % 10)) s"
}

# Prints the id of the first video in GET /api/v1/videos with the given state.
video_with_state() {
  curl -fsS --max-time 10 "$base/api/v1/videos" | python3 -c '
import json, sys
want = sys.argv[1]
for video in json.load(sys.stdin)["videos"]:
    if video["state"] == want:
        print(video["id"])
        break
' "$1"
}

# ffprobe a URL; prints "codec_type=codec_name" lines sorted, fails on error.
probe() {
  timeout 60 ffprobe -v error -show_entries stream=codec_type,codec_name -of csv=p=0:nk=0 "$1" \
    | awk -F, 'NF >= 2 { split($1, n, "="); split($2, t, "="); print t[2] "=" n[2] }' | sort -u
}

expect_codecs() {  # url: needs H.264 video and AAC audio
  local streams
  streams=$(probe "$1") || fail "ffprobe could not read $1"
  grep -qx 'video=h264' <<< "$streams" || fail "no H.264 video in $1: $streams"
  grep -qx 'audio=aac' <<< "$streams" || fail "no AAC audio in $1: $streams"
  ok "ffprobe $1: $(tr '\n' ' ' <<< "$streams")"
}

# --- steps -------------------------------------------------------------------

step "package files present"
[ -n "$version" ] || fail "no project(tidecast VERSION ...) in CMakeLists.txt"
[ -f "$deb" ] || fail "$deb is missing: run make deb"
ok "$deb"
if [ -n "$(installed_version)" ]; then
  # Purging deletes /var/lib/tidecast: only in CI or when asked to.
  if [ -z "${CI:-}" ] && [ "${TIDECAST_TEST_PURGE:-}" != 1 ]; then
    fail "tidecast is installed ($(installed_version)); this test would purge it and its data." \
      "Run 'apt-get purge tidecast' or set TIDECAST_TEST_PURGE=1"
  fi
  echo "    tidecast is installed ($(installed_version)): purging it first"
  apt-get purge -y -qq tidecast >/dev/null
fi
! getent passwd tidecast >/dev/null || fail "a tidecast user exists without the package; remove it first"
[ ! -e "$data" ] || fail "$data exists without the package; move it away first"
pass

step "lintian"
lintian_out=$work/lintian.txt
lintian_rc=0
lintian --fail-on error --display-info "$deb" > "$lintian_out" 2>&1 || lintian_rc=$?
grep -v 'running with root privileges is not recommended' "$lintian_out" | sed 's/^/    /' || true
errors=$(grep -c '^E: ' "$lintian_out" || true)
warnings=$(grep -c '^W: ' "$lintian_out" || true)
infos=$(grep -c '^I: ' "$lintian_out" || true)
[ "$lintian_rc" -eq 0 ] && [ "$errors" -eq 0 ] || fail "lintian: $errors error(s), exit status $lintian_rc"
ok "$errors errors, $warnings warnings, $infos info"
pass

step "build the upgrade package ($upgrade_version)"
TIDECAST_DEB_VERSION=$upgrade_version DIST_DIR=$upgrade_dist DEB_BUILD_DIR=$build_dir \
  packaging/build-deb.sh > "$work/upgrade-build.log" 2>&1 \
  || { tail -n 30 "$work/upgrade-build.log"; fail "building $upgrade_version failed"; }
[ -f "$upgrade_deb" ] || fail "$upgrade_deb is missing"
ok "$upgrade_deb"
pass

step "apt-get install ./$(realpath --relative-to="$root" "$deb")"
installed_by_us=1
apt-get install -y -q "$deb" > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "apt-get install failed"; }
[ "$(installed_version)" = "ii  $version" ] || fail "dpkg status: $(installed_version)"
[ -x /usr/bin/tidecast ] || fail "/usr/bin/tidecast missing"
/usr/bin/tidecast --version | grep -q "^tidecast " || fail "tidecast --version failed"
dpkg-query -W -f='${Conffiles}\n' tidecast | grep -q " $config " || fail "$config is not a conffile"
grep -q '^  "data_dir": "/var/lib/tidecast",' "$config" || fail "$config: data_dir is not /var/lib/tidecast"
uid=$(id -u tidecast) || fail "no tidecast user"
[ "$uid" -lt 1000 ] || fail "tidecast is not a system user (uid $uid)"
[ "$(getent passwd tidecast | cut -d: -f7)" = /usr/sbin/nologin ] || fail "tidecast has a login shell"
[ "$(stat -c '%U:%G %a' "$data")" = "tidecast:tidecast 750" ] || fail "$data: $(stat -c '%U:%G %a' "$data")"
unit=$(dpkg -L tidecast | grep '/tidecast\.service$') || fail "no tidecast.service in the package"
ok "$version installed: /usr/bin/tidecast, conffile $config, user tidecast (uid $uid), $data 0750, $unit"
pass

step "start the server as tidecast"
start_server
curl -fsS --max-time 10 "$base/api/v1/health" | grep -q '"ok"' || fail "GET /api/v1/health"
ok "GET /api/v1/health"
pass

step "runuser -u tidecast -- tidecast --config $config channel add $channel"
runuser -u tidecast -- /usr/bin/tidecast --config "$config" channel add "$channel" > "$work/channel.txt" \
  || fail "channel add failed"
key=$(sed -n 's/^stream key: *//p' "$work/channel.txt")
[ -n "$key" ] || fail "no 'stream key:' line in: $(cat "$work/channel.txt")"
[ "$(stat -c %U "$data/tidecast.db")" = tidecast ] || fail "$data/tidecast.db is not owned by tidecast"
ok "stream key printed (${#key} characters)"
pass

step "publish 8 s with ffmpeg; ffprobe the live HLS"
ffmpeg -hide_banner -nostdin -loglevel error -re \
  -f lavfi -i testsrc2=s=640x360:r=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 8 \
  -c:v libx264 -preset veryfast -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac \
  -f flv "rtmp://127.0.0.1:$rtmp_port/live/$key" 2> "$work/publisher.log" &
publisher_pid=$!
master=$base/live/$channel/master.m3u8
for ((i = 0; i < 100; i++)); do
  curl -fsS --max-time 5 -o /dev/null "$master" 2>/dev/null && break
  kill -0 "$publisher_pid" 2>/dev/null || { cat "$work/publisher.log"; fail "the publisher exited early"; }
  sleep 0.1
done
kill -0 "$publisher_pid" 2>/dev/null || fail "the stream ended before $master answered"
expect_codecs "$master"
kill -0 "$publisher_pid" 2>/dev/null && ok "still live while probed" || fail "the stream ended while probing"
pass

step "stop the publisher; the recording becomes a ready video"
publisher_rc=0
wait "$publisher_pid" || publisher_rc=$?
publisher_pid=""
[ "$publisher_rc" -eq 0 ] || { cat "$work/publisher.log"; fail "ffmpeg exited with $publisher_rc"; }
ok "ffmpeg finished its 8 s and disconnected"
video=""
for ((i = 0; i < 120; i++)); do
  video=$(video_with_state ready) || fail "GET /api/v1/videos failed"
  [ -z "$video" ] || break
  sleep 0.5
done
[ -n "$video" ] || fail "no ready video in GET /api/v1/videos after 60 s"
ok "video $video is ready after $((i / 2)) s"
expect_codecs "$base/vod/$video/master.m3u8"
pass

step "SIGTERM the server"
stop_server
[ -s "$data/tidecast.db" ] || fail "$data/tidecast.db missing after stop"
pass

step "systemd-analyze verify $unit"
if command -v systemd-analyze >/dev/null; then
  # Verified offline: systemd need not be running. The unit's own lines must be clean.
  verify_rc=0
  systemd-analyze verify "$unit" > "$work/verify.txt" 2>&1 || verify_rc=$?
  sed 's/^/    /' "$work/verify.txt"
  [ "$verify_rc" -eq 0 ] || fail "systemd-analyze verify exited with $verify_rc"
  ! grep -q 'tidecast\.service' "$work/verify.txt" || fail "systemd-analyze verify reported problems in the unit"
  ok "unit verified"
  exposure=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | grep -o 'Overall exposure level.*' || true)
  [ -z "$exposure" ] || ok "systemd-analyze security: $exposure"
else
  echo "    skipped: systemd-analyze is not installed"
fi
pass

step "upgrade: apt-get install ./$(realpath --relative-to="$root" "$upgrade_deb") over $version with data"
# A local edit of the conffile must survive (the upgrade ships an identical one).
echo '// local edit by test-package' >> "$config"
apt-get install -y -q "$upgrade_deb" > "$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log"; fail "upgrade failed"; }
[ "$(installed_version)" = "ii  $upgrade_version" ] || fail "dpkg status: $(installed_version)"
grep -q '^// local edit by test-package$' "$config" || fail "the local edit of $config was lost"
[ "$(id -u tidecast)" = "$uid" ] || fail "the tidecast user changed"
[ "$(stat -c '%U:%G %a' "$data")" = "tidecast:tidecast 750" ] || fail "$data: $(stat -c '%U:%G %a' "$data")"
ok "$upgrade_version installed; conffile edit and user kept"
pass

step "after the upgrade: the catalog is kept"
start_server
found=$(video_with_state ready) || fail "GET /api/v1/videos failed"
[ "$found" = "$video" ] || fail "video $video is no longer listed as ready (got '${found}')"
ok "video $video still ready"
expect_codecs "$base/vod/$video/master.m3u8"
runuser -u tidecast -- /usr/bin/tidecast --config "$config" channel list | grep -q "^$channel"$'\t' \
  || fail "channel $channel is gone"
ok "channel $channel still there"
stop_server
pass

step "apt-get remove keeps $data"
apt-get remove -y -q tidecast > "$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "apt-get remove failed"; }
[ "$(installed_version)" = "rc  $upgrade_version" ] || fail "dpkg status: $(installed_version)"
[ ! -e /usr/bin/tidecast ] || fail "/usr/bin/tidecast still there"
[ -s "$data/tidecast.db" ] || fail "$data/tidecast.db was removed"
[ -f "$config" ] || fail "$config was removed (conffiles stay until purge)"
getent passwd tidecast >/dev/null || fail "the tidecast user was removed"
ok "binary gone; $data/tidecast.db, $config and the tidecast user kept"
pass

step "apt-get purge removes $data and the user"
apt-get purge -y -q tidecast > "$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "apt-get purge failed"; }
[ -z "$(installed_version)" ] || [ "$(installed_version)" = "un  " ] || fail "dpkg status: $(installed_version)"
[ ! -e "$data" ] || fail "$data is still there"
[ ! -e /etc/tidecast ] || fail "/etc/tidecast is still there"
! getent passwd tidecast >/dev/null || fail "the tidecast user is still there"
! getent group tidecast >/dev/null || fail "the tidecast group is still there"
[ ! -e /etc/systemd/system/multi-user.target.wants/tidecast.service ] || fail "the unit is still enabled"
ok "$data, /etc/tidecast, the user, the group and the unit's enablement are gone"
pass
