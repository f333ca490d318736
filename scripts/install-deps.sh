#!/bin/sh
# Installs everything Longline needs to build, run and test on Debian 12
# (bookworm) or a close relative. Safe to run again. Needs root or sudo.
set -eu
SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
    SUDO="sudo"
fi
PACKAGES="
    build-essential cmake ninja-build pkg-config git ca-certificates
    qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools
    libqt6sql6-sqlite qt6-qpa-plugins libgl-dev
    fonts-noto-cjk fonts-noto-color-emoji fonts-dejavu-core qt6-translations-l10n
    xvfb xauth x11-utils
    iproute2 nftables conntrack tcpdump netcat-openbsd procps psmisc util-linux
    python3 openssl libssl-dev libasio-dev systemd systemd-container sqlite3
    dpkg-dev file man-db appstream
    clang libclang-rt-14-dev llvm
    mosquitto redis-server python3-matplotlib linux-perf
"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $PACKAGES
