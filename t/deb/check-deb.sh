#!/bin/sh
# SPDX-License-Identifier: ISC
# make check-deb: the package on a Debian host of its own. A bookworm
# root made by debootstrap (cached under BUILD/deb-root, keyed by the
# debootstrap arguments; the packages apt fetches for it are kept in
# BUILD/deb-root/archives), unpacked afresh for each run. Its / is a
# mount point, as a machine's is (a bind mount of it onto itself, in a
# mount namespace of our own), it has its own pid namespace (so every
# process started in it ends with it) and, once apt has fetched what the
# scenario installs, its own network namespace with loopback only.
# t/deb/inroot.pl is the scenario, run there.
#
# usage: check-deb.sh BUILD-DIR DEB-FILE
set -eu

if [ "${1:-}" = --inside ]; then
	# Stage two: pid 1 of the new pid namespace, in the new mount
	# namespace, with the network still there.
	root=$2 archives=$3
	shift 3
	mount --bind "$root" "$root"
	mount -t proc proc "$root/proc"
	# A /dev of its own, as a machine's: the nodes a system needs, a
	# devpts instance of its own, /dev/shm; /dev/log is the scenario's.
	mount -t tmpfs -o mode=0755,nosuid dev "$root/dev"
	mknod -m 666 "$root/dev/null" c 1 3
	mknod -m 666 "$root/dev/zero" c 1 5
	mknod -m 666 "$root/dev/full" c 1 7
	mknod -m 666 "$root/dev/random" c 1 8
	mknod -m 666 "$root/dev/urandom" c 1 9
	mknod -m 666 "$root/dev/tty" c 5 0
	mkdir "$root/dev/pts" "$root/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
	ln -s pts/ptmx "$root/dev/ptmx"
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
	ln -s /proc/self/fd "$root/dev/fd"
	for i in 0:stdin 1:stdout 2:stderr; do
		ln -s "/proc/self/fd/${i%%:*}" "$root/dev/${i#*:}"
	done
	mount -t tmpfs -o mode=0755,nosuid,nodev run "$root/run"
	mkdir -p "$root/run/lock" "$archives/partial"
	mount --bind "$archives" "$root/var/cache/apt/archives"
	apt="apt-get -q -y -o APT::Sandbox::User=root -o Dpkg::Use-Pty=0"
	# Everything the scenario installs, fetched now: in the network
	# namespace there is none. sinetd's .deb resolves inet-superserver,
	# so nothing else is chosen for it; openbsd-inetd, which conflicts
	# with it, is the migration's starting point.
	echo "# fetching what the scenario installs"
	chroot "$root" $apt install --download-only /tmp/sinetd.deb "$@" \
	    > "$root/tmp/fetch.log" 2>&1 &&
	chroot "$root" $apt install --download-only openbsd-inetd \
	    >> "$root/tmp/fetch.log" 2>&1 ||
	    { cat "$root/tmp/fetch.log"; exit 1; }
	exec unshare --net sh -c \
	    'ip link set lo up && exec chroot "$1" /usr/bin/perl /tmp/inroot.pl' \
	    sh "$root"
fi

build=$1 deb=$2
here=$(cd "$(dirname "$0")" && pwd)
suite=${DEB_SUITE:-bookworm}
variant=minbase
# The host's own mirror for the suite (sources.list or deb822 .sources).
host_mirror() {
	{ cat /etc/apt/sources.list 2>/dev/null || true
	  cat /etc/apt/sources.list.d/*.list 2>/dev/null || true
	  for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk -v s="$suite" '/^URIs:/ { u = $2 } /^Suites:/ {
		    for (i = 2; i <= NF; i++) if ($i == s) print "deb " u " " s }
		    /^$/ { u = "" }' "$f"
	  done; } |
	awk -v s="$suite" '$1 == "deb" && $0 !~ /\[/ && $3 == s && $2 ~ /\/debian\/?$/ {
	    print $2; exit }'
}
mirror=${DEB_MIRROR:-$(host_mirror)}
[ -n "$mirror" ] || { echo "no $suite mirror in /etc/apt/sources.list*: set DEB_MIRROR"; exit 1; }
# What the scenario installs: fingerd through update-inetd as its
# package does, tftpd-hpa's in.tftpd as an inetd service, their clients.
peers="fingerd finger tftpd-hpa tftp-hpa"

args="--variant=$variant $suite $mirror"
key=$(printf '%s\n' "$args" | sha256sum | cut -c1-12)
cache=$build/deb-root/$suite-$variant-$key.tar
archives=$build/deb-root/archives
root=$build/deb-root/run
mkdir -p "$archives"

start=$(date +%s)
if [ ! -e "$cache" ]; then
	echo "# debootstrap $args (once: cached as $cache)"
	rm -rf "$cache.d"
	debootstrap --variant=$variant "$suite" "$cache.d" "$mirror" > "$build/deb-root/debootstrap.log" 2>&1 ||
	    { tail -20 "$build/deb-root/debootstrap.log"; exit 1; }
	rm -f "$cache.d"/var/cache/apt/archives/*.deb
	tar -C "$cache.d" -cf "$cache.new" . && mv "$cache.new" "$cache"
	rm -rf "$cache.d"
fi
rm -rf "$root" && mkdir -p "$root"
tar -C "$root" -xf "$cache"
# As in any chroot: packages install, their daemons (tftpd-hpa's own)
# do not start. update-inetd never asks invoke-rc.d about sinetd.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp "$deb" "$root/tmp/sinetd.deb"
cp "$here/inroot.pl" "$root/tmp/inroot.pl"
echo "# root ready in $(( $(date +%s) - start )) s"

# The transcript is kept (build/deb-root/transcript.txt) and shown as it
# goes. unshare blocks SIGTERM while it waits: a scenario that hangs is
# ended by SIGKILL, which --kill-child passes on to the namespace's pid 1.
transcript=$build/deb-root/transcript.txt
{ rc=0
  timeout -s KILL "${CHECK_DEB_TIMEOUT:-900}" unshare --mount \
      --propagation unchanged --pid --fork --kill-child \
      sh -c 'mount --make-rprivate / && exec "$@"' sh \
      "$here/check-deb.sh" --inside "$root" "$archives" $peers 2>&1 || rc=$?
  echo "$rc" > "$build/deb-root/rc"; } | tee "$transcript"
rc=$(cat "$build/deb-root/rc")

# The namespaces are gone, and what ran in them: say so, then remove it.
left=$(for p in /proc/[0-9]*; do
	[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
done || true)
if [ -n "$left" ]; then
	echo "not ok - processes left in the root: $left"; rc=1
fi
if grep -q " $root" /proc/self/mountinfo; then
	echo "not ok - mounts left under $root"; rc=1
fi
rm -rf "$root"
echo "# check-deb: $(( $(date +%s) - start )) s, transcript in $transcript"
# The scenario's count, last, as the closing line.
grep -E '^[0-9]+ passed, [0-9]+ failed$' "$transcript" ||
    echo "0 passed, 1 failed"
[ "$rc" -eq 0 ]
