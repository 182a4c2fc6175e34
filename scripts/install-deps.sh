#!/usr/bin/env bash
# Installs the Debian 12 packages the tests use: real SPICE servers (Xspice,
# QEMU), the websocket proxy (websockify), a browser (Chromium), X clients
# for content and the framebuffer oracle (xterm, xsetroot, xwd, xdpyinfo,
# xdotool, ImageMagick), ss to see listening ports, and spice-html5 for the
# baseline comparisons, the guest agent (spice-vdagent) and xclip for the
# agent tests, and pixman's headers with a C compiler for the raster
# reference tests (which fall back to committed digests without them).
# e2e/gate.go names the end-to-end tools; keep both in step.
#
# Idempotent: when every package is installed it does nothing (and needs no
# root). Otherwise it must run as root: apt-get update, then one
# apt-get install --no-install-recommends of the missing packages.
set -euo pipefail

packages=(
	xserver-xspice    # Xspice, an X server that speaks SPICE
	qemu-system-x86   # QEMU with a QXL card (pulls in seabios with vgabios-qxl)
	websockify        # websocket <-> TCP proxy that serves the page too
	chromium          # headless browser driven by chromedp
	xterm             # text content, core font "fixed"
	xfonts-base       # the core fonts xterm draws with (a recommend of Xorg)
	fonts-dejavu-core # a font for Chromium to render page text
	x11-apps          # xwd: the X framebuffer oracle
	x11-utils         # xdpyinfo: X server readiness
	x11-xserver-utils # xsetroot: solid backgrounds
	xdotool           # place windows, move the pointer, type
	imagemagick       # convert (plasma images) and display (shows them)
	iproute2          # ss: see a port listen without connecting to it
	spice-html5       # the client we replace, for baseline runs
	gcc               # builds raster's pixman reference harness (testdata/pixmanref)
	pkg-config        # finds libpixman for it
	libpixman-1-dev   # the server's rasteriser: composite and text are checked against it live
	spice-vdagent     # the guest agent on Xspice --vdagent (clipboard, resize, files)
	xclip             # set and read the X clipboard in agent tests
	gstreamer1.0-plugins-good # vp8enc, vp9enc: Xspice --video-codecs gstreamer:vp8/vp9
	gstreamer1.0-plugins-ugly # x264enc: Xspice --video-codecs gstreamer:h264
)
# One dpkg-query for all: it prints a line per known package, and an error
# (ignored) for packages it has never heard of.
declare -A installed=()
while read -r name state; do
	[[ $state == "install ok installed" ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
	[[ -n ${installed[$p]:-} ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#packages[@]} packages already installed"
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "install-deps: missing ${missing[*]}; run this script as root" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -q update
apt-get -q install -y --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
