#!/usr/bin/env bash
# Installs the Debian 12 packages the tests use: real SPICE servers (Xspice,
# QEMU), the websocket proxy (websockify), a browser (Chromium), X clients
# for content and the framebuffer oracle (xterm, xsetroot, xwd, xdpyinfo,
# xdotool, ImageMagick), ss to see listening ports, and spice-html5 for the
# baseline comparisons, the guest agent (spice-vdagent) and xclip for the
# agent tests, and pixman's headers with a C compiler for the raster
# reference tests (which fall back to committed digests without them),
# and Firefox ESR with its driver's node packages (puppeteer-core, npm ci in
# e2e/firefox) for the tests that run the client in Firefox.
# e2e/gate.go names the end-to-end tools; keep both in step.
#
# Idempotent: when every package is installed it does nothing (and needs no
# root). Otherwise it must run as root: apt-get update, then one
# apt-get install --no-install-recommends of the missing packages. The npm
# step needs no root and runs only when e2e/firefox/package-lock.json
# differs from the one last installed; without npm (and without root to
# install it) it is skipped with a word, and the Firefox tests then skip, or
# fail under SPICEWEB_E2E=require.
set -euo pipefail
cd "$(dirname "$0")/.."

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
	firefox-esr       # the second browser, driven over WebDriver BiDi (e2e/firefox)
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
elif [[ $(id -u) -ne 0 ]]; then
	echo "install-deps: missing ${missing[*]}; run this script as root" >&2
	exit 1
else
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update
	apt-get -q install -y --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
fi

# Node.js and npm come with the machine (a nodejs package that bundles
# npm); only where they are missing are Debian's installed.
if ! command -v npm >/dev/null && [[ $(id -u) -eq 0 ]]; then
	echo "install-deps: installing nodejs npm"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update
	apt-get -q install -y --no-install-recommends -o Dpkg::Use-Pty=0 nodejs npm
fi

# The Firefox driver's node packages, from its committed lockfile. npm ci
# starts from an empty node_modules each time, so a copy of the lockfile it
# installed marks a tree that is already right.
driver=e2e/firefox
stamp=$driver/node_modules/.installed-package-lock.json
if cmp -s "$driver/package-lock.json" "$stamp"; then
	echo "install-deps: $driver node packages already installed"
elif ! command -v npm >/dev/null; then
	echo "install-deps: npm not found: not installing $driver's packages (the Firefox tests need them)" >&2
else
	echo "install-deps: npm ci in $driver"
	(cd "$driver" && npm ci --no-audit --no-fund --loglevel=error)
	cp "$driver/package-lock.json" "$stamp"
fi
