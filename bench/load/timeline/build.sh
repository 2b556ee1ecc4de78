#!/usr/bin/env bash
# build.sh LOADDIR OUT: builds the load tool of LOADDIR (../shared/load,
# read-only, so a copy) with timeline.go added and its three calls patched
# into main.go, as OUT. bench/load/measure.sh (TIMELINE=1) and
# bench's TestTimelineLoadTool use it.
set -eu
[ $# -eq 2 ] || { echo "usage: build.sh LOADDIR OUT" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp -r "$1/." "$src/"
chmod -R u+w "$src"
sed '/^\/\/go:build ignore$/d' "$here/timeline.go" >"$src/timeline.go"
m=$src/main.go
sed -i 's/^\(\t*\)res\.lateness = append(res\.lateness, off-ref\[res\.events\])$/&\n\1timelineEvent(now, off-ref[res.events])/' "$m"
sed -i 's/GotConn: func(info httptrace\.GotConnInfo) { res\.reused = info\.Reused },/GotConn: func(info httptrace.GotConnInfo) {\n\t\t\tres.reused = info.Reused\n\t\t\tif !info.Reused {\n\t\t\t\ttimelineConn(info.Conn)\n\t\t\t}\n\t\t},/' "$m"
sed -i 's/^\(\t*\)loadStart := time\.Now()$/&\n\1timelineStart(loadStart)\n\1defer timelineDump(stdout)/' "$m"
if [ "$(grep -c 'timelineEvent(now\|timelineConn(info\|timelineStart(loadStart)' "$m")" != 3 ]; then
	echo "build.sh: $1/main.go has changed; the timeline's three calls no longer fit it" >&2
	exit 1
fi
(cd "$src" && go build -o "$out" .)
