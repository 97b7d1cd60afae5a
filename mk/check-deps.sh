#!/bin/sh
# One readable line per missing build dependency, naming the Debian package; exit 1 if any.
missing=""
need_pc() {  # pkg-config module, Debian package
	pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_h() {   # header, Debian package
	printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1 || missing="$missing $2"
}
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
need_pc spandsp libspandsp-dev
need_pc sofia-sip-ua libsofia-sip-ua-dev
need_pc inih libinih-dev
need_pc libsystemd libsystemd-dev
need_pc libsrtp2 libsrtp2-dev
need_pc nss libnss3-dev
need_pc sqlite3 libsqlite3-dev
need_pc libmicrohttpd libmicrohttpd-dev
need_pc criterion libcriterion-dev
need_h dahdi/user.h dahdi-source
need_h dahdi/tonezone.h libtonezone-dev
need_h libpri.h libpri-dev
if [ -n "$missing" ]; then
	echo "strowger: missing build dependencies:$missing" >&2
	echo "strowger: run 'make deps' as root (or: apt-get install$missing)" >&2
	exit 1
fi
