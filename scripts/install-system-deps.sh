#!/bin/sh
# System packages the sandbox and the dashboard test need, for `make setup` (Debian/Ubuntu, as root):
#   bubblewrap  the namespace sandbox (bwrap) that runs generated code
#   python3*    Debian's /usr/bin/python3 runs inside the sandbox (a pyenv Python under /root is
#               unreadable to the sandbox's unprivileged uid); pytest (with pytest-timeout, which
#               many repositories configure for `solve`, and coverage) runs generated tests, and
#               pip/venv/setuptools/wheel build, install and smoke-run the release wheel
#   chromium    the headless browser the dashboard test drives (Playwright, pointed at it),
#               with the fonts its screenshot uses
# Idempotent and quiet; skips with a message when not root or not Debian.
set -eu

PACKAGES="bubblewrap python3 python3-pytest python3-pytest-timeout python3-coverage python3-pip \
python3-venv python3-setuptools python3-wheel chromium fonts-dejavu-core"

if [ "$(id -u)" != 0 ]; then
    echo "install-system-deps: not root, skipping; as root run: apt-get install -y $PACKAGES"
    exit 0
fi
if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: not Debian, skipping; install bubblewrap with your package manager"
    exit 0
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi
echo "install-system-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# shellcheck disable=SC2086
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } \
    >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "install-system-deps: apt-get failed" >&2
    exit 1
fi
rm -f "$log"
