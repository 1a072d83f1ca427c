#!/bin/sh
# shellcheck shell=dash
# The whole test suite on a fresh machine: installs what the tests need, then runs them.
#   sh tests/run.sh [pytest arguments]
# Needs python3 >= 3.9; system tools (tmux, dash, busybox, shellcheck, zsh, fish, curl,
# and chromium for the dashboard's browser tests) come from the distribution's packages
# when they are missing (Debian/Ubuntu: apt-get).
set -eu

say() { printf 'tests/run.sh: %s\n' "$*" >&2; }
err() { say "$*"; exit 1; }

install_system_tools() {
    missing=""
    for tool in tmux dash busybox shellcheck zsh fish curl chromium; do
        command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
    done
    [ -z "$missing" ] && return 0
    command -v apt-get >/dev/null 2>&1 || err "missing:$missing (install them with your package manager)"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "installing:$missing"
    # shellcheck disable=SC2086
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >/dev/null 2>&1 || true
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
            err "could not install:$missing"
    fi
}

main() {
    cd "$(dirname "$0")/.."
    python=${PYTHON:-python3}
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
        err "$python is older than 3.9"
    install_system_tools
    venv=${DOORSTEP_TEST_VENV:-.venv}
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -e '.[test,collector]'
    # Wheels of doorstep and everything it needs, so install.sh tests run offline; PyPA's
    # installer too, which doorstep must install beside.
    wheelhouse="$PWD/build/wheelhouse"
    rm -f "$wheelhouse"/doorstep-*.whl
    "$venv/bin/python" -m pip wheel --quiet --wheel-dir "$wheelhouse" . 'setuptools>=61' wheel installer click
    export DOORSTEP_TEST_WHEELHOUSE="$wheelhouse"
    "$venv/bin/ruff" check .
    "$venv/bin/ruff" format --check .
    exec "$venv/bin/python" -m pytest "$@"
}

main "$@"
