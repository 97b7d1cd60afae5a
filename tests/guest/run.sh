#!/bin/bash
# Host side of the guest tier: prepare (or reuse) the guest kernel, the DAHDI modules and
# the initramfs, boot qemu with the host's / shared read-only, run a suite script inside the
# guest against the real DAHDI driver, print its result lines and a verdict.
#
#   tests/guest/run.sh [--build DIR] [--gw PROGRAM] [--timeout S] SUITE   (e.g. tests/guest/suite.sh)
#
# --gw: the gateway daemon the tests run instead of DIR/strowger (make guest: the ASan+UBSan
# build, build/san/strowger); DIR still gives every other program (simulator, probes).
#
# Environment:
#   STROWGER_VM_CACHE      cache root (default /var/cache/strowger-vm; survives make clean)
#   STROWGER_GUEST_TIMEOUT whole-run bound for qemu [s] (default 900)
#   STROWGER_GUEST_MEM     guest RAM [MiB] (default 768)
#   STROWGER_GUEST_TESTS   run only these tests (names or globs: "dahdi-loop pri-*")
#   STROWGER_TEST_TIMEOUT  per-test bound [s] unless the test says "# timeout: N" (300)
#   STROWGER_DEMO_TESTS    tests demo.sh runs (default demo: t-demo.sh)
#   STROWGER_GUEST_KV      guest kernel ABI (default: tests/guest/kernel-version.sh)
# Exit status: 0 only if every test passed and at least one ran. See tests/guest/README.md.
set -u
set -o pipefail

T0=$(date +%s.%N)
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$ROOT" || exit 2

say() { echo "guest-run: $*"; }
die() { echo "guest-run: error: $*" >&2; exit 2; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

BUILD=build
GW_BIN=
TIMEOUT=${STROWGER_GUEST_TIMEOUT:-900}
SUITE=
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=${2:?--build needs a directory}; shift 2 ;;
	--timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
	--gw) GW_BIN=${2:?--gw needs a program}; shift 2 ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;/^set -u/d'; exit 0 ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) [ -z "$SUITE" ] || die "one suite script only"; SUITE=$1; shift ;;
	esac
done
[ -n "$SUITE" ] || die "usage: tests/guest/run.sh [--build DIR] [--gw PROGRAM] [--timeout S] SUITE"
case $TIMEOUT in '' | *[!0-9]*) die "--timeout wants whole seconds, got '$TIMEOUT'" ;; esac

# ------------------------------------------------------------------ inputs
# Paths go on the kernel command line and are shared with the guest at the same place.
SUITE_ABS=$(cd "$(dirname "$SUITE")" 2>/dev/null && pwd -P)/$(basename "$SUITE")
[ -f "$SUITE_ABS" ] || die "no suite script $SUITE"
case $SUITE_ABS in "$ROOT"/*) ;; *) die "the suite must be inside the repository ($ROOT)" ;; esac
BUILD_ABS=$(cd "$BUILD" 2>/dev/null && pwd -P) || die "no build directory $BUILD (build first: make BUILD=$BUILD all)"
if [ -n "$GW_BIN" ]; then
	[ -x "$GW_BIN" ] || die "no gateway program $GW_BIN (build it first)"
	GW_BIN=$(cd "$(dirname "$GW_BIN")" && pwd -P)/$(basename "$GW_BIN")
fi
for p in "$ROOT" "$BUILD_ABS" $GW_BIN; do
	case $p in *[!A-Za-z0-9._/+-]*) die "path '$p' has characters the kernel command line cannot carry" ;; esac
done

# The tests the suite will run, for the "# needs:" check. suite.sh runs t-*.sh, demo.sh the
# tests in STROWGER_DEMO_TESTS; another suite is checked for its own "# needs:" lines only.
selected() {
	local name=$1 pat
	[ -z "${STROWGER_GUEST_TESTS:-}" ] && return 0
	for pat in $STROWGER_GUEST_TESTS; do
		# shellcheck disable=SC2254
		case $name in $pat | t-$pat | t-$pat.sh) return 0 ;; esac
	done
	return 1
}
scripts=("$SUITE_ABS")
case $(basename "$SUITE_ABS") in
suite.sh) for t in "$ROOT"/tests/guest/t-*.sh; do [ -f "$t" ] && selected "$(basename "$t" .sh)" && scripts+=("$t"); done ;;
demo.sh) for n in ${STROWGER_DEMO_TESTS:-demo}; do
		t=$ROOT/tests/guest/t-$n.sh
		[ -f "$t" ] && selected "t-$n" && scripts+=("$t")
	done ;;
esac
missing=
for t in "${scripts[@]}"; do
	for need in $(sed -n 's/^# *needs: *//p' "$t"); do
		[ -x "$BUILD_ABS/$need" ] || missing="$missing
  $BUILD/$need (needed by ${t#"$ROOT"/})"
	done
done
if [ -n "$missing" ]; then
	die "the build directory lacks what the suite needs:$missing
build them first (make BUILD=$BUILD all), or select tests with STROWGER_GUEST_TESTS"
fi

for tool in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static dahdi_cfg:dahdi \
	depmod:kmod modprobe:kmod cpio:cpio dpkg-deb:dpkg apt-get:apt flock:util-linux \
	timeout:coreutils make:make gcc:gcc; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "${tool%%:*}" >/dev/null 2>&1 ||
		die "${tool%%:*} not found (Debian package ${tool#*:}): run 'make deps'"
done
export PATH=$PATH:/usr/sbin:/sbin
BUSYBOX=$(command -v busybox)
file -L "$BUSYBOX" 2>/dev/null | grep -q 'dynamically linked' &&
	die "$BUSYBOX is dynamically linked; the initramfs needs busybox-static (make deps)"

KV=${STROWGER_GUEST_KV:-$(sh tests/guest/kernel-version.sh)} ||
	die "cannot tell the guest kernel ABI: apt has no linux-image-amd64 in its lists (run 'make deps' or 'apt-get update')"
KSRC=/usr/src/linux-headers-$KV
[ -d "$KSRC" ] || die "$KSRC is missing: the package lists point at kernel $KV but its headers are not installed (run 'make deps')"

# ------------------------------------------------------------------ 1. prepare (cached)
CACHE_ROOT=${STROWGER_VM_CACHE:-/var/cache/strowger-vm}
if ! mkdir -p "$CACHE_ROOT/$KV" 2>/dev/null || [ ! -w "$CACHE_ROOT/$KV" ]; then
	[ -n "${STROWGER_VM_CACHE:-}" ] && die "cannot write the VM cache $CACHE_ROOT"
	CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/strowger-vm
	say "/var/cache/strowger-vm is not writable, using $CACHE_ROOT"
	mkdir -p "$CACHE_ROOT/$KV" || die "cannot create $CACHE_ROOT/$KV"
fi
C=$(cd "$CACHE_ROOT/$KV" && pwd -P)
case $C in *[!A-Za-z0-9._/+-]*) die "cache path '$C' has characters the guest cannot be told" ;; esac

# The /init of the initramfs. It is part of the cache key, so editing it rebuilds the image.
read -r -d '' INIT <<'EOI'
#!/bin/busybox sh
# Strowger guest /init: the host's / read-only over virtio-9p with a tmpfs overlay on top,
# the results share writable at its host path, then switch_root to tests/guest/guest-init.sh.
/bin/busybox --install -s /bin
die() { echo "strowger-init: FATAL: $*"; echo o >/proc/sysrq-trigger; sleep 30; }
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t devpts devpts /dev/pts
ln -sf /proc/self/fd /dev/fd
for m in $(cat /modlist); do insmod /mods/$m || die "insmod $m"; done
[ -n "$STROWGER_ROOT" ] && [ -n "$STROWGER_RESULTS" ] || die "STROWGER_ROOT/STROWGER_RESULTS not on the kernel command line"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host || die "9p mount of the host root"
mount -t tmpfs -o size=60% tmpfs /rw || die "tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot || die "overlay"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "/newroot$STROWGER_RESULTS" || die "9p mount of the results share"
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
exec switch_root /newroot /bin/bash "$STROWGER_ROOT/tests/guest/guest-init.sh"
EOI
INITRD_MODS="virtio_pci 9pnet_virtio 9p overlay"
INITRD_KEY=$( { echo "$INIT"; echo "$INITRD_MODS"; sha256sum "$BUSYBOX"; } | sha256sum | cut -c1-16)

exec 9>"$C/.lock" || die "cannot open $C/.lock"
TP=$(date +%s.%N)
if ! flock -n 9; then
	say "another run is preparing $C, waiting"
	flock -w 900 9 || die "timed out waiting for the lock on $C"
	say "waited $(since "$TP")s for the other run"
	TP=$(date +%s.%N)
fi
built=
# What a run that died half-way left behind (we hold the lock: nobody else is building).
rm -rf "$C"/.tmp.*

# Publish a finished temp dir or file atomically; a complete one never sits beside a partial.
publish() {
	rm -rf "$2.old"
	[ -e "$2" ] && mv -T "$2" "$2.old"
	mv -T "$1" "$2" || die "cannot rename $1 to $2"
	rm -rf "$2.old"
}

apt_download() {  # $1 = dir, rest = package[=version]...
	local dir=$1 log
	shift
	log=$dir/download.log
	if ! (cd "$dir" && apt-get download "$@") >"$log" 2>&1; then
		sed 's/^/  | /' "$log" | tail -8 >&2
		if grep -qE 'Unable to locate|Can.t select|has no installation candidate|404 +Not Found' "$log"; then
			die "apt-get download $* failed: the package lists look stale (run 'make deps' or 'apt-get update')"
		fi
		die "apt-get download $* failed (network or mirror problem? see above)"
	fi
}

# Versions: the kernel image matching the installed headers, and dahdi-dkms's candidate.
HDR_VER=$(dpkg-query -W -f='${Version}' "linux-headers-$KV" 2>/dev/null)
[ -n "$HDR_VER" ] || die "linux-headers-$KV is not installed (run 'make deps')"

# 1a. kernel: vmlinuz and the modules the initramfs needs (virtio, 9p, overlay)
if [ ! -f "$C/kernel/ok" ]; then
	say "downloading linux-image-$KV ($HDR_VER)"
	tmp=$(mktemp -d "$C/.tmp.kernel.XXXXXX")
	mkdir -p "$tmp/debs" "$tmp/tree"
	if ! (cd "$tmp/debs" && apt-get download "linux-image-$KV=$HDR_VER") >"$tmp/debs/download.log" 2>&1; then
		say "linux-image-$KV=$HDR_VER is not downloadable, trying the candidate version"
		apt_download "$tmp/debs" "linux-image-$KV"
	fi
	dpkg-deb --fsys-tarfile "$tmp"/debs/linux-image-"$KV"_*.deb | tar -x -C "$tmp/tree" --wildcards \
		"./boot/vmlinuz-$KV" "./lib/modules/$KV/modules.*" \
		"./lib/modules/$KV/kernel/drivers/virtio/*" "./lib/modules/$KV/kernel/net/9p/*" \
		"./lib/modules/$KV/kernel/fs/9p/*" "./lib/modules/$KV/kernel/fs/netfs/*" \
		"./lib/modules/$KV/kernel/fs/fscache/*" "./lib/modules/$KV/kernel/fs/overlayfs/*" ||
		die "cannot extract the kernel from $(ls "$tmp"/debs/*.deb)"
	depmod -b "$tmp/tree" "$KV" || die "depmod failed"
	dpkg-deb -f "$tmp"/debs/linux-image-"$KV"_*.deb Version >"$tmp/tree/VERSION"
	rm -rf "$tmp/debs"
	touch "$tmp/tree/ok"
	publish "$tmp/tree" "$C/kernel"
	rmdir "$tmp"
	built="$built kernel"
fi

# 1a'. the uncompressed kernel: qemu boots an ELF vmlinux with a PVH note directly, which
# skips the firmware and the decompressor (about 7 s of a TCG boot). Debian compresses with xz.
if [ ! -f "$C/kernel/vmlinux" ] && grep -q '^CONFIG_PVH=y' "$KSRC/.config" 2>/dev/null &&
	grep -q '^CONFIG_KERNEL_XZ=y' "$KSRC/.config" && command -v xz >/dev/null; then
	tmp=$(mktemp "$C/.tmp.vmlinux.XXXXXX")
	off=$(grep -abo $'\xfd7zXZ\x00' "$C/kernel/boot/vmlinuz-$KV" | head -1 | cut -d: -f1)
	if [ -n "$off" ] && { tail -c +$((off + 1)) "$C/kernel/boot/vmlinuz-$KV" || true; } |
		xz -dc --single-stream >"$tmp" 2>/dev/null &&
		[ "$(head -c 4 "$tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
		publish "$tmp" "$C/kernel/vmlinux"
		built="$built vmlinux"
	else
		rm -f "$tmp"
		say "could not unpack vmlinux from vmlinuz-$KV; booting the compressed kernel (slower)"
	fi
fi
if [ -f "$C/kernel/vmlinux" ]; then
	KERNEL=$C/kernel/vmlinux
else
	KERNEL=$C/kernel/boot/vmlinuz-$KV
fi

# 1b. DAHDI: dahdi, dahdi_dynamic, dahdi_dynamic_loc and the MG2 echo canceller from Debian's
# dahdi-dkms source (the package is downloaded and unpacked, never installed), built against
# the installed headers.
if [ ! -f "$C/dahdi/ok" ] || [ ! -f "$C/dahdi/dahdi_echocan_mg2.ko" ] ||
	[ "$(cat "$C/dahdi/HEADERS" 2>/dev/null)" != "$HDR_VER" ]; then
	say "building the DAHDI modules for $KV"
	tmp=$(mktemp -d "$C/.tmp.dahdi.XXXXXX")
	mkdir -p "$tmp/debs" "$tmp/src" "$tmp/out"
	apt_download "$tmp/debs" dahdi-dkms
	dpkg-deb -x "$tmp"/debs/dahdi-dkms_*.deb "$tmp/src" || die "cannot unpack dahdi-dkms"
	dsrc=$(ls -d "$tmp"/src/usr/src/dahdi-* | head -1)
	[ -d "$dsrc/drivers/dahdi" ] || die "no DAHDI source in dahdi-dkms"
	if ! make -j"$(nproc)" -C "$KSRC" M="$dsrc/drivers/dahdi" DAHDI_INCLUDE="$dsrc/include" \
		CONFIG_DAHDI=m CONFIG_DAHDI_DYNAMIC=m CONFIG_DAHDI_DYNAMIC_LOC=m \
		CONFIG_DAHDI_ECHOCAN_MG2=m modules >"$tmp/out/build.log" 2>&1; then
		tail -20 "$tmp/out/build.log" | sed 's/^/  | /' >&2
		die "building the DAHDI modules against $KSRC failed (log above)"
	fi
	for m in dahdi dahdi_dynamic dahdi_dynamic_loc dahdi_echocan_mg2; do
		cp "$dsrc/drivers/dahdi/$m.ko" "$tmp/out/" || die "$m.ko was not built"
	done
	vm=$(modinfo -F vermagic "$tmp/out/dahdi.ko")
	case $vm in "$KV "*) ;; *) die "dahdi.ko has vermagic '$vm', not $KV" ;; esac
	dpkg-deb -f "$tmp"/debs/dahdi-dkms_*.deb Version >"$tmp/out/VERSION"
	echo "$HDR_VER" >"$tmp/out/HEADERS"
	touch "$tmp/out/ok"
	publish "$tmp/out" "$C/dahdi"
	rm -rf "$tmp"
	built="$built dahdi-modules"
fi

# 1c. initramfs: static busybox, the virtio/9p/overlay modules, /init
INITRD=$C/initrd-$INITRD_KEY.img
if [ ! -f "$INITRD" ]; then
	say "building the initramfs"
	tmp=$(mktemp -d "$C/.tmp.initrd.XXXXXX")
	ir=$tmp/root
	mkdir -p "$ir"/bin "$ir"/dev "$ir"/proc "$ir"/sys "$ir"/mods "$ir"/host "$ir"/rw "$ir"/newroot
	cp "$BUSYBOX" "$ir/bin/busybox"
	deps=
	for m in $INITRD_MODS; do
		d=$(modprobe -d "$C/kernel" -S "$KV" --show-depends "$m") || die "modprobe --show-depends $m failed"
		deps="$deps$d
"
	done
	for f in $(echo "$deps" | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'); do
		cp "$f" "$ir/mods/" || die "cannot copy $f"
		basename "$f" >>"$ir/modlist"
	done
	[ -s "$ir/modlist" ] || die "no modules for the initramfs"
	printf '%s\n' "$INIT" >"$ir/init"
	chmod 755 "$ir/init"
	(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) >"$tmp/initrd.img" || die "cpio failed"
	publish "$tmp/initrd.img" "$INITRD"
	rm -rf "$tmp"
	# images of older /init versions, unused for a day
	find "$C" -maxdepth 1 -name 'initrd-*.img' ! -name "initrd-$INITRD_KEY.img" -mtime +1 -delete 2>/dev/null
	built="$built initramfs"
fi
flock -u 9
exec 9>&-
PREP_S=$(since "$TP")
if [ -n "$built" ]; then
	PREP_HOW="built:$built"
else
	PREP_HOW="from cache"
fi
say "prepare: ${PREP_S}s ($PREP_HOW) in $C"

# ------------------------------------------------------------------ 2. boot
mkdir -p "$BUILD_ABS/guest"
R=$(mktemp -d "$BUILD_ABS/guest/$(basename "$SUITE_ABS" .sh).$(date +%Y%m%d-%H%M%S).XXXX") ||
	die "cannot create a results directory under $BUILD_ABS/guest"
chmod 777 "$R"
# Keep the newest 5 result dirs of this suite.
ls -dt "$BUILD_ABS/guest/$(basename "$SUITE_ABS" .sh)".2*.* 2>/dev/null | tail -n +6 | while read -r old; do
	rm -rf "$old"
done
ln -sfn "$(basename "$R")" "$BUILD_ABS/guest/$(basename "$SUITE_ABS" .sh).last"
# The guest ends its suite this long before qemu's bound so that results still come out.
DEADLINE=$((TIMEOUT > 120 ? TIMEOUT - 45 : TIMEOUT * 2 / 3))
cat >"$R/guest.env" <<EOF
STROWGER_ROOT='$ROOT'
STROWGER_BUILD='$BUILD_ABS'
STROWGER_GW_BIN='$GW_BIN'
STROWGER_SUITE='$SUITE_ABS'
STROWGER_DAHDI_MODULES='$C/dahdi'
STROWGER_GUEST_TESTS='${STROWGER_GUEST_TESTS:-}'
STROWGER_TEST_TIMEOUT='${STROWGER_TEST_TIMEOUT:-300}'
STROWGER_GUEST_DEADLINE='$DEADLINE'
STROWGER_DEMO_TESTS='${STROWGER_DEMO_TESTS:-demo}'
STROWGER_SOAK_SECS='${STROWGER_SOAK_SECS:-}'
STROWGER_SOAK_SEED='${STROWGER_SOAK_SEED:-}'
STROWGER_SOAK_QUICK_RESTORE='${STROWGER_SOAK_QUICK_RESTORE:-}'
EOF

# Copy the console to fd 3 (no pipe buffering on the way: the timestamps must be right);
# show its milestones and result lines as they come; note when (host clock) the guest
# reached userspace and had DAHDI configured.
watch_console() {
	local line
	while IFS= read -r line; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >&3
		case $line in
		"=== guest userspace up"*) echo "WALL_USERSPACE=$(since "$TB")" >>"$R/host-timing.env" ;;
		"=== DAHDI configured"*) echo "WALL_DAHDI=$(since "$TB")" >>"$R/host-timing.env" ;;
		esac
		case $line in
		"=== "* | "PASS "* | "FAIL "* | "demo: "* | "load: "* | strowger-init* | spans:* | runner:* | *"Kernel panic"*)
			echo "guest| $line" ;;
		esac
	done
}

[ -n "$GW_BIN" ] && say "the tests run the daemon $GW_BIN"
say "booting the guest (TCG, 2 CPUs, ${STROWGER_GUEST_MEM:-768} MiB, bound ${TIMEOUT}s); logs in ${R#"$ROOT"/}"
TB=$(date +%s.%N)
# stdin from /dev/null: with a terminal on stdin qemu would switch it to raw mode.
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
	-accel tcg,thread=multi -smp 2 -m "${STROWGER_GUEST_MEM:-768}" \
	-display none -monitor none -serial stdio -no-reboot -nic none \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 loglevel=4 mitigations=off STROWGER_ROOT=$ROOT STROWGER_RESULTS=$R" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap,id=hostroot \
	-virtfs "local,path=$R,mount_tag=results,security_model=none,id=results" \
	</dev/null 2>"$R/qemu.log" | watch_console 3>"$R/console.log"
QRC=${PIPESTATUS[0]}
QEMU_S=$(since "$TB")

# ------------------------------------------------------------------ 3. verdict
extra=
if [ ! -f "$R/done" ]; then
	if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
		extra="FAIL guest: the run exceeded ${TIMEOUT}s and qemu was killed (STROWGER_GUEST_TIMEOUT)"
	else
		extra="FAIL guest: the guest stopped before the suite finished (qemu status $QRC)"
	fi
	echo "guest-run: last lines of the console ($R/console.log):"
	tail -n 40 "$R/console.log" | sed 's/^/  | /'
	[ -s "$R/qemu.log" ] && sed 's/^/  qemu: /' "$R/qemu.log" | tail -5
fi

GUEST_USERSPACE='' GUEST_DAHDI='' GUEST_TESTS_END=''
# shellcheck source=/dev/null
if [ -f "$R/timing.env" ]; then
	. "$R/timing.env"
else	# the guest died: take what the console saw
	GUEST_USERSPACE=$(sed -n 's/^=== guest userspace up at \([0-9.]*\)s.*/\1/p' "$R/console.log" | head -1)
	GUEST_DAHDI=$(sed -n 's/^=== DAHDI configured at \([0-9.]*\)s.*/\1/p' "$R/console.log" | head -1)
fi
WALL_USERSPACE='' WALL_DAHDI=''
# shellcheck source=/dev/null
[ -f "$R/host-timing.env" ] && . "$R/host-timing.env"
fmt() { [ -n "$1" ] && echo "${1}s" || echo "-"; }
tests_s=-
[ -n "$GUEST_DAHDI" ] && [ -n "$GUEST_TESTS_END" ] &&
	tests_s=$(awk -v a="$GUEST_DAHDI" -v b="$GUEST_TESTS_END" 'BEGIN { printf "%.1fs", b - a }')
say "timing: prepare ${PREP_S}s ($PREP_HOW)"
say "timing: boot to userspace $(fmt "$WALL_USERSPACE") wall ($(fmt "$GUEST_USERSPACE") guest uptime), DAHDI configured $(fmt "$WALL_DAHDI") wall ($(fmt "$GUEST_DAHDI") uptime)"
say "timing: tests $tests_s, qemu ${QEMU_S}s, total $(since "$T0")s"

# The demo's report: one line per call, from the tests that wrote "demo: " lines.
for log in "$R"/logs/*/test.log; do
	[ -f "$log" ] && grep -hE '^(demo|load): ' "$log"
done

pass=0 fail=0
{
	[ -f "$R/results.txt" ] && cat "$R/results.txt"
	[ -n "$extra" ] && echo "$extra"
} >"$R/summary.txt"
while IFS= read -r line; do
	case $line in
	"PASS "*) pass=$((pass + 1)) ;;
	"FAIL "*) fail=$((fail + 1)) ;;
	*) continue ;;
	esac
	echo "$line"
done <"$R/summary.txt"
echo "guest: $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
