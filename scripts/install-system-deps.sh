#!/bin/sh
# The system packages bwvtool and its tests need on Debian 12 (or Ubuntu): Python with venv, and the libraries
# Qt loads (the xcb, wayland and offscreen platforms, EGL/OpenGL, a font, D-Bus, and for the player Qt's FFmpeg
# backend, which needs libXrandr, and PulseAudio). Checked with ldd on a fresh Debian 12 (debootstrap minbase).
# The README's two commands and .ci/run all start here, so they cannot drift apart.
#
#   sh scripts/install-system-deps.sh [--tests | --server] [EXTRA_PACKAGE ...]
#
# --tests adds what only the test suite needs (TEST_PACKAGES). --server sets up a team server on this machine
# (the README's "Team server"): Debian's PostgreSQL, its cluster running, and you (the user who ran the script,
# through sudo or not) a server login that may create databases and people: the owner of team workspaces, who
# signs in through the local socket with no password (peer authentication). Runs apt-get directly as root and
# through sudo as anyone else. When everything is already there it does nothing at all (no apt-get update, no
# sudo prompt). Extra package names are installed too (CI adds its own tools).
set -eu

PACKAGES="python3 python3-venv
libpulse0 libegl1 libgl1 libopengl0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1
libxrandr2 libwayland-client0 libwayland-cursor0 libwayland-egl1 fonts-dejavu-core"

# Programs that tests run beside bwvtool (a database server, a reference implementation): add them here, not
# only to .ci/run, so that the README's test command installs them on a fresh machine too.
# postgresql: the team-server tests start a throwaway cluster with its binaries (tests/pg.py);
# r-base-core: exports are read back with R's own CSV reader (tests/core/test_export_parsing.py);
# poppler-utils: debrief PDFs are checked with pdfinfo, pdftotext and pdfimages (tests/*/test_debrief*.py);
# espeak-ng: the audio, voice-activity and speech-recognition tests make their own speech (tests/speech.py).
TEST_PACKAGES="postgresql r-base-core poppler-utils espeak-ng"

SERVER_PACKAGES="postgresql"

server=""
if [ "${1:-}" = "--tests" ]; then
    shift
    PACKAGES="$PACKAGES $TEST_PACKAGES"
elif [ "${1:-}" = "--server" ]; then
    shift
    PACKAGES="$PACKAGES $SERVER_PACKAGES"
    server=1
fi

say() { printf 'install-system-deps: %s\n' "$*" >&2; }

root() {  # run "$@" as root: directly, or through sudo
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        say "needs root for: $*"
        say "run it as root, or install sudo and give your user the right to use it"
        exit 2
    fi
}

# The team server: a running cluster, and the invoking user as a login that may create databases and people.
setup_server() {
    owner=${SUDO_USER:-$(id -un)}
    # Signed in already (server up, login there): nothing to do, no sudo prompt.
    if [ "$(id -un)" = "$owner" ] && psql -X -q -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
        say "server running; $owner has a login"
        return
    fi
    version=$(pg_lsclusters -h | awk 'NR == 1 {print $1}')
    if [ -z "$version" ]; then
        version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
        say "creating PostgreSQL $version's cluster"
        root pg_createcluster "$version" main >/dev/null
    fi
    if ! pg_lsclusters -h | awk '$4 == "online"' | grep -q .; then
        say "starting PostgreSQL $version (cluster main)"
        root pg_ctlcluster "$version" main start  # no systemd needed (containers, minimal installs)
    fi
    if ! root runuser -u postgres -- psql -X -q -d postgres -tAc \
        "SELECT 1 FROM pg_roles WHERE rolname = '$owner'" | grep -q 1; then
        say "adding server login $owner (may create databases and people)"
        root runuser -u postgres -- createuser --createdb --createrole "$owner"
    fi
}

# shellcheck disable=SC2086  # word splitting of the package list is intended
wanted=$(printf '%s\n' $PACKAGES "$@" | sed '/^$/d')

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    say "this script uses Debian's apt; on another system install the equivalents of:"
    printf '  %s\n' $wanted >&2
    exit 2
fi

missing=""
for package in $wanted; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$package" 2>/dev/null || true)
    case "$status" in
        ii*) ;;
        *) missing="$missing $package" ;;
    esac
done

if [ -z "$missing" ]; then
    say "all system packages present"
else
    say "installing:$missing"
    # sudo resets the environment, so the non-interactive frontend is passed through env.
    root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    say "done"
fi

if [ -n "$server" ]; then
    setup_server
fi
