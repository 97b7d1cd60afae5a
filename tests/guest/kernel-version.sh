#!/bin/sh
# Print the kernel ABI (e.g. 6.1.0-56-amd64) that Debian's linux-image-amd64 points at:
# the guest boots that kernel, and the DAHDI modules are built for it.
KV=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { sub("linux-image-", "", $2); print $2; exit }')
[ -n "$KV" ] || exit 1
echo "$KV"
