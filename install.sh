#!/bin/sh
# shellcheck shell=dash
#
# The Doorstep installer: puts 'doorstep' into its own Python environment, links
# it onto PATH, then starts the first-run setup, which asks before anything is shared.
#
#   curl -fsSL URL/install.sh | sh
#   curl -fsSL URL/install.sh | sh -s -- --no-telemetry
#   sh install.sh --help
#
# Every line is a definition until the last one calls main, so a download that is cut
# short runs nothing. Until you answer the setup, nothing this script learns about the
# install is written to disk or sent anywhere: its stage timings reach the setup as
# one command-line argument.

set -u

# The product this script installs, filled in from its product file when the script
# was made: it is downloaded on its own and cannot read that file. Run from a checkout
# of the product, the checkout's product file wins.
product_defaults() {
    PRODUCT_NAME="doorstep"
    PRODUCT_DISPLAY_NAME="Doorstep"
    PRODUCT_ENV_PREFIX="DOORSTEP"
    PRODUCT_PACKAGE="doorstep"
    PRODUCT_COMMAND="doorstep"
}

usage() {
    cat <<EOF
Install $PRODUCT_DISPLAY_NAME into its own Python environment and put '$PRODUCT_COMMAND' on your PATH.

Usage: sh install.sh [options]
       curl -fsSL URL/install.sh | sh -s -- [options]

Options:
  -y, --yes             ask nothing: the flags and the default policy decide
      --no-telemetry    share nothing and do not ask (saved as your choice)
      --telemetry       share anonymous usage data, without asking (saved)
      --inline          ask in the terminal instead of full-screen
      --from SOURCE     what to install: a requirement, a local path, a wheel or a URL
                        (default: '$PRODUCT_PACKAGE' from the package index, or the
                        checkout this script is in)
      --sha256 HEX      install the wheel or sdist given with --from only if its SHA-256
                        is HEX (a URL's #sha256=HEX fragment does the same)
      --version V       install release V of '$PRODUCT_PACKAGE' from the package index
      --bin-dir DIR     link the command into DIR (default: ~/.local/bin)
      --no-modify-path  leave your shell start-up files alone
      --allow-other-owner
                        install even though HOME belongs to another user (as root, say):
                        the files made there will not be theirs
  -q, --quiet           print only errors
  -h, --help            show this help

Environment: ${PRODUCT_ENV_PREFIX}_INSTALL_SOURCE, ${PRODUCT_ENV_PREFIX}_BIN_DIR,
${PRODUCT_ENV_PREFIX}_NO_MODIFY_PATH=1, ${PRODUCT_ENV_PREFIX}_TELEMETRY=0|1, DO_NOT_TRACK=1,
CI, NONINTERACTIVE. uv is used when it is on PATH, otherwise python3 -m venv and pip.
Remove everything again with '$PRODUCT_COMMAND uninstall' (or uninstall.sh).
EOF
}

say() {
    [ "$quiet" = 1 ] || printf '%s: %s\n' "$PRODUCT_NAME" "$*" >&2
}

warn() {
    printf '%s: warning: %s\n' "$PRODUCT_NAME" "$*" >&2
}

usage_error() {
    printf "%s: %s (see 'sh install.sh --help')\n" "$PRODUCT_NAME" "$*" >&2
    exit 2
}

check_cmd() {
    command -v "$1" >/dev/null 2>&1
}

# Boolean variables mean one thing everywhere, here as in the installed command: unset,
# empty, 0, false, no and off in any case, with spaces around ignored, are false.
truthy() {
    tv_value=$1
    tv_value=${tv_value#"${tv_value%%[![:space:]]*}"}
    tv_value=${tv_value%"${tv_value##*[![:space:]]}"}
    case "$tv_value" in
        "" | 0 | [Ff][Aa][Ll][Ss][Ee] | [Nn][Oo] | [Oo][Ff][Ff]) return 1 ;;
        *) return 0 ;;
    esac
}

# The value of <PREFIX>_$1, in ev_value (no subshell); the prefix is product data,
# checked to be A-Z, 0-9 and _.
env_value() {
    ev_value=""
    eval "ev_value=\${${PRODUCT_ENV_PREFIX}_$1:-}"
    # Trailing newlines go, as they did when this was read through $(...).
    while :; do
        case "$ev_value" in
            *"
") ev_value=${ev_value%?} ;;
            *) break ;;
        esac
    done
}

init_state() {
    quiet=0
    opt_yes=0
    opt_flag=""
    opt_inline=0
    opt_from=""
    opt_version=""
    opt_bin_dir=""
    opt_sha256=""
    opt_other_owner=0
    no_modify_path=0
    current_stage=preflight
    stage_times=""
    fail_log=""
    fail_class=""
    created_dirs=""
    created_rev=""
    own_cache=0
    had_previous=0
    previous_version=""
    new_version=""
    moved_aside=0
    building=0
    package_done=0
    committed=0
    tool=""
    uv=""
    python=""
    python_pip=0
    pip_runner=""
    python_bad_name=-
    path_state=""
    source_from_env=0
    expected_sha256=""
    verify_dir=""
    python_marker=""
    sync_req=""
    sync_dir=""
}

parse_args() {
    while [ $# -gt 0 ]; do
        case "$1" in
            -y | --yes) opt_yes=1 ;;
            --telemetry | --no-telemetry)
                [ -z "$opt_flag" ] || [ "$opt_flag" = "$1" ] ||
                    usage_error "choose one of --telemetry and --no-telemetry"
                opt_flag=$1
                ;;
            --inline) opt_inline=1 ;;
            --from | --version | --bin-dir | --sha256)
                case "${2:-}" in "" | -*) usage_error "$1 needs a value" ;; esac
                case "$1" in
                    --from) opt_from=$2 ;;
                    --version) opt_version=$2 ;;
                    --bin-dir) opt_bin_dir=$2 ;;
                    --sha256) opt_sha256=$2 ;;
                esac
                shift
                ;;
            --from=*) opt_from=${1#--from=} ;;
            --version=*) opt_version=${1#--version=} ;;
            --bin-dir=*) opt_bin_dir=${1#--bin-dir=} ;;
            --sha256=*) opt_sha256=${1#--sha256=} ;;
            --no-modify-path) no_modify_path=1 ;;
            --allow-other-owner) opt_other_owner=1 ;;
            -q | --quiet) quiet=1 ;;
            -h | --help)
                usage
                exit 0
                ;;
            *) usage_error "unknown option '$1'" ;;
        esac
        shift
    done
}

# When this script is a file inside a checkout of the product (a folder with a
# pyproject.toml and a product file of the same name), that checkout is the default
# source and its product file wins. Piped, $0 is the shell (sh, or a path to it), which
# may well be a file in the current folder too: only this script itself counts.
find_checkout() {
    checkout=""
    case "${0##*/}" in
        sh | -sh | dash | bash | -bash | ash | busybox | ksh | mksh | zsh | yash | posh) return 0 ;;
    esac
    is_this_script "$0" || return 0
    case "$0" in
        */*) fc_dir=${0%/*} ;;
        *) fc_dir=. ;;
    esac
    [ -f "$fc_dir/pyproject.toml" ] || return 0
    for fc_file in "$fc_dir"/*/product.toml "$fc_dir"/*/doorstep.toml "$fc_dir"/src/*/doorstep.toml; do
        [ -f "$fc_file" ] || continue
        [ -r "$fc_file" ] || continue
        read_product_file "$fc_file"
        [ "$rp_name" = "$PRODUCT_NAME" ] || continue
        checkout=$(cd "$fc_dir" && pwd -P) || checkout=""
        [ -n "$checkout" ] || return 0
        [ -z "$rp_display_name" ] || PRODUCT_DISPLAY_NAME=$rp_display_name
        [ -z "$rp_env_prefix" ] || PRODUCT_ENV_PREFIX=$rp_env_prefix
        [ -z "$rp_package" ] || PRODUCT_PACKAGE=$rp_package
        PRODUCT_COMMAND=${rp_command:-$rp_name}
        return 0
    done
}

# Whether the file $1 is this installer: it defines the functions only this script has.
is_this_script() {
    [ -f "$1" ] && [ -r "$1" ] || return 1
    check_cmd grep || return 1
    its_lines=$(grep -x -F -e 'find_checkout() {' -e 'is_this_script() {' "$1" 2>/dev/null) ||
        return 1
    case "$its_lines" in *"find_checkout() {"*) ;; *) return 1 ;; esac
    case "$its_lines" in *"is_this_script() {"*) ;; *) return 1 ;; esac
}

# The text values of a product file's [product] table (in the first format, its
# top-level keys), in shell alone: one key = "value" a line, up to the next table.
read_product_file() {
    rp_name=""
    rp_display_name=""
    rp_env_prefix=""
    rp_package=""
    rp_command=""
    rp_section=top
    while IFS= read -r rp_line || [ -n "$rp_line" ]; do
        rp_line=${rp_line#"${rp_line%%[![:space:]]*}"}
        case "$rp_line" in
            "[product]"*)
                rp_section=product
                continue
                ;;
            "["*)
                [ "$rp_section" = product ] && break
                rp_section=other
                continue
                ;;
            *=*) [ "$rp_section" != other ] || continue ;;
            *) continue ;;
        esac
        rp_key=${rp_line%%[[:space:]=]*}
        rp_value=${rp_line#*=}
        rp_value=${rp_value#"${rp_value%%[![:space:]]*}"}
        case "$rp_value" in
            \"*)
                rp_value=${rp_value#\"}
                rp_value=${rp_value%%\"*}
                ;;
            \'*)
                rp_value=${rp_value#\'}
                rp_value=${rp_value%%\'*}
                ;;
            *) continue ;;
        esac
        case "$rp_key" in
            name) rp_name=$rp_value ;;
            display_name) rp_display_name=$rp_value ;;
            env_prefix) rp_env_prefix=$rp_value ;;
            package) rp_package=$rp_value ;;
            command) rp_command=$rp_value ;;
        esac
    done <"$1"
}

check_product() {
    case "$PRODUCT_NAME" in
        "" | *[!a-z0-9-]*) usage_error "the product name '$PRODUCT_NAME' is not valid" ;;
    esac
    case "$PRODUCT_ENV_PREFIX" in
        "" | *[!A-Z0-9_]*) usage_error "the environment prefix '$PRODUCT_ENV_PREFIX' is not valid" ;;
    esac
    case "$PRODUCT_COMMAND" in
        "" | -* | *[!a-z0-9_-]*) usage_error "the command name '$PRODUCT_COMMAND' is not valid" ;;
    esac
}

# The same folders platformdirs gives the Python side (XDG variables count only when
# they are absolute paths, as there).
locate() {
    case "${HOME:-}" in
        /*) ;;
        *) usage_error "HOME must be set to your home folder" ;;
    esac
    os_name=$(uname -s 2>/dev/null) || os_name=""
    if [ "$os_name" = Darwin ]; then
        lc_data="$HOME/Library/Application Support"
        lc_cache="$HOME/Library/Caches"
    else
        lc_data="$HOME/.local/share"
        lc_cache="$HOME/.cache"
    fi
    case "${XDG_DATA_HOME:-}" in /*) lc_data=$XDG_DATA_HOME ;; esac
    case "${XDG_CACHE_HOME:-}" in /*) lc_cache=$XDG_CACHE_HOME ;; esac
    data_dir="$lc_data/$PRODUCT_NAME"
    cache_dir="$lc_cache/$PRODUCT_NAME"
    venv="$data_dir/venv"
    aside="$data_dir/venv.previous"
    bin_dir=$opt_bin_dir
    if [ -z "$bin_dir" ]; then
        env_value BIN_DIR
        bin_dir=$ev_value
    fi
    [ -n "$bin_dir" ] || bin_dir="$HOME/.local/bin"
    case "$bin_dir" in
        \~) bin_dir=$HOME ;;
        \~/*) bin_dir="$HOME/${bin_dir#\~/}" ;;
        /*) ;;
        *)
            lc_here=${PWD:-}
            case "$lc_here" in /*) ;; *) lc_here=$(pwd) ;; esac
            bin_dir="$lc_here/$bin_dir"
            ;;
    esac
    link="$bin_dir/$PRODUCT_COMMAND"
}

# Refuses, before anything is written, the folders that cannot be installed into safely.
check_paths() {
    # Every control character; a newline in a folder's name would end a line of the PATH
    # block, and the rest of the name would run in every new shell.
    cp_control=$(printf '\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037\177')
    no_control HOME "$HOME"
    no_control --bin-dir "$bin_dir"
    no_control XDG_DATA_HOME "$data_dir"
    no_control XDG_CACHE_HOME "$cache_dir"
    no_control XDG_CONFIG_HOME "${XDG_CONFIG_HOME:-}"
    no_control XDG_STATE_HOME "${XDG_STATE_HOME:-}"
    no_control ZDOTDIR "${ZDOTDIR:-}"
    launcher_safe
    if [ -d "$HOME" ] && [ ! -O "$HOME" ] && [ "$opt_other_owner" = 0 ]; then
        usage_error "your HOME ($HOME) belongs to another user, who could not change or remove what this puts there; run it as that user, or add --allow-other-owner if this is what you want"
    fi
}

no_control() {
    # The list is made of control characters only, none of them special in a pattern.
    case "$2" in
        *[$cp_control]*)
            usage_error "$1 holds a control character (a newline, a tab, ...) in a folder name, which cannot go into a shell start-up file; choose a folder without one"
            ;;
    esac
}

# pip starts a command through /bin/sh when the environment's path holds a space or is
# too long for a #! line, and that shell reads the path in double quotes (or none): a $,
# a backquote or a quote there would run as code on every call of the command.
launcher_safe() {
    ls_python="$venv/bin/python3.NN"
    ls_length=${#ls_python}
    ls_limit=124
    [ "$os_name" = Darwin ] && ls_limit=509
    # A character is at most 4 bytes: a short name needs no count of its bytes.
    if [ $((ls_length * 4)) -gt "$ls_limit" ] && check_cmd wc; then
        ls_length=$(printf '%s' "$ls_python" | wc -c)
        ls_length=$((ls_length + 0))
    fi
    case "$venv" in
        *" "*) case "$venv" in *[\$\`\\\"]*) ls_bad=1 ;; *) ls_bad=0 ;; esac ;;
        *) ls_bad=0 ;;
    esac
    if [ "$ls_bad" = 0 ] && [ "$ls_length" -gt "$ls_limit" ]; then
        case "$venv" in *[\$\`\\\"\'\|\&\;\<\>\(\)\*\?\[\]\#\~\{\}\!]*) ls_bad=1 ;; esac
    fi
    [ "$ls_bad" = 0 ] || usage_error "the environment would live in $venv, and with that name the command pip makes would run part of it as shell code every time; set HOME (or XDG_DATA_HOME) to a folder without \$, \`, \\ or \""
}

choose_source() {
    source=$opt_from
    if [ -z "$source" ]; then
        env_value INSTALL_SOURCE
        source=$ev_value
        [ -z "$source" ] || source_from_env=1
    fi
    if [ -n "$source" ] && [ -n "$opt_version" ]; then
        usage_error "--version picks a release from the package index; drop it when using --from"
    fi
    if [ -z "$source" ] && [ -n "$opt_version" ]; then
        source="$PRODUCT_PACKAGE==$opt_version"
    elif [ -z "$source" ] && [ -n "$checkout" ]; then
        source=$checkout
    elif [ -z "$source" ]; then
        source=$PRODUCT_PACKAGE
    fi
    case "$source" in
        \~/*) source="$HOME/${source#\~/}" ;;
        -*) usage_error "the source '$(redacted "$source")' looks like an option; give a requirement, path, wheel or URL" ;;
    esac
    source_label=$(redacted "$source")
    receipt_source=$source_label
    choose_sha256
    # A checked SHA-256 makes plain http safe: what was changed on the way is refused.
    case "$source" in
        *[Hh][Tt][Tt][Pp]://*)
            [ -n "$expected_sha256" ] ||
                warn "$source_label is fetched over plain http, so anyone on the way can change what is installed; use https (or --sha256)"
            ;;
    esac
}

# The hash to check: --sha256, or the #sha256= fragment of the source (pip's way).
choose_sha256() {
    cs_fragment=""
    case "$source" in
        *"#sha256="*) cs_fragment=${source##*#sha256=} ;;
    esac
    expected_sha256=${opt_sha256:-$cs_fragment}
    [ -n "$expected_sha256" ] || return 0
    expected_sha256=$(printf '%s' "$expected_sha256" | tr 'A-F' 'a-f')
    case "$expected_sha256" in
        *[!0-9a-f]*) usage_error "a SHA-256 is 64 hexadecimal digits, not '$expected_sha256'" ;;
    esac
    [ "${#expected_sha256}" = 64 ] || usage_error "a SHA-256 is 64 hexadecimal digits, not '$expected_sha256'"
    if [ -n "$opt_sha256" ] && [ -n "$cs_fragment" ]; then
        [ "$(printf '%s' "$cs_fragment" | tr 'A-F' 'a-f')" = "$expected_sha256" ] ||
            usage_error "--sha256 and the #sha256= of the source differ; give one"
    fi
    source=${source%#sha256=*}
    case "$source" in
        *://*) ;;
        *) [ -f "$source" ] || usage_error "--sha256 checks a file: give --from a wheel, an sdist or its URL" ;;
    esac
}

# The source for people and for the receipt: the user and password of a URL in it
# (https://user:token@host/...) become ***, so a token is never printed or stored.
redacted() {
    rd_rest=$1
    rd_out=""
    # Bounded: every round takes a :// off what is left.
    while :; do
        case "$rd_rest" in
            *://*) ;;
            *) break ;;
        esac
        rd_out="$rd_out${rd_rest%%://*}://"
        rd_rest=${rd_rest#*://}
        rd_auth=${rd_rest%%[/?#]*}
        case "$rd_auth" in
            *@*)
                rd_out="$rd_out***@"
                rd_rest=${rd_rest#"${rd_auth%@*}"@}
                ;;
        esac
    done
    printf '%s' "$rd_out$rd_rest"
}

decide_interaction() {
    noninteractive=0
    [ "$opt_yes" = 1 ] && noninteractive=1
    truthy "${CI:-}" && noninteractive=1
    truthy "${NONINTERACTIVE:-}" && noninteractive=1
    # Only opening /dev/tty tells whether there is a terminal (-r says yes without one).
    (exec </dev/tty) 2>/dev/null || noninteractive=1
    env_value NO_MODIFY_PATH
    truthy "$ev_value" && no_modify_path=1
    return 0
}

# A clock in centiseconds: /proc/uptime costs no process; elsewhere whole seconds.
clock() {
    clock_now=""
    if [ -r /proc/uptime ] && read -r clock_up _ </proc/uptime; then
        case "$clock_up" in
            *.??) clock_now=${clock_up%.*}${clock_up#*.} ;;
        esac
    fi
    case "$clock_now" in
        "" | *[!0-9]*)
            clock_now=$(date +%s 2>/dev/null)
            case "$clock_now" in "" | *[!0-9]*) clock_now=0 ;; esac
            clock_now="${clock_now}00"
            ;;
    esac
    while [ "${#clock_now}" -gt 1 ] && [ "${clock_now#0}" != "$clock_now" ]; do
        clock_now=${clock_now#0}
    done
}

run_stage() {
    current_stage=$1
    clock
    rs_start=$clock_now
    "$2"
    clock
    rs_cs=$((clock_now - rs_start))
    rs_frac=$((rs_cs % 100))
    [ "$rs_frac" -ge 10 ] || rs_frac="0$rs_frac"
    stage_times="$stage_times,$1=$((rs_cs / 100)).$rs_frac"
}

# mkdir -p that remembers each folder it had to make, so a failure (and later the
# uninstall) removes exactly those.
mkdir_tracked() {
    mt_dir=$1
    mt_new=""
    while [ -n "$mt_dir" ] && [ ! -d "$mt_dir" ]; do
        mt_new="$mt_new$mt_dir
"
        mt_dir=${mt_dir%/*}
    done
    mkdir -p "$1" 2>/dev/null || return 1
    created_rev="$mt_new$created_rev"
    created_dirs="$created_dirs$mt_new"
}

remove_created_dirs() {
    rc_ifs=$IFS
    IFS='
'
    for rc_dir in $created_rev; do
        if [ "$own_cache" = 1 ] && [ "$rc_dir" = "$cache_dir" ]; then
            rm -rf "$rc_dir"
        else
            rmdir "$rc_dir" 2>/dev/null
        fi
    done
    IFS=$rc_ifs
}

suggest_python() {
    if check_cmd apt-get; then
        printf 'sudo apt-get install python3 python3-venv'
    elif check_cmd dnf; then
        printf 'sudo dnf install python3'
    elif check_cmd yum; then
        printf 'sudo yum install python3'
    elif check_cmd pacman; then
        printf 'sudo pacman -S python'
    elif check_cmd apk; then
        printf 'sudo apk add python3'
    elif check_cmd zypper; then
        printf 'sudo zypper install python3'
    elif check_cmd brew; then
        printf 'brew install python'
    else
        printf 'see https://www.python.org/downloads/'
    fi
}

find_python() {
    # Asked of each candidate, in one start: the script pip --python runs in the other
    # environment (on a line of its own, empty for none), then its version, whether it is
    # new enough, whether its own pip can install into another environment (pip >= 22.3
    # has --python), the first folder named in its arguments that is not UTF-8 (see
    # check_encoding; - for none), and its real path. Between them, on a line of its
    # own, the marker that pins uv sync's resolution to this interpreter and machine.
    fp_pip='runner = ""
try:
    import pip
    p = int(tuple(int(x) for x in pip.__version__.split(".")[:2]) >= (22, 3))
    runner = os.path.join(os.path.dirname(pip.__file__), "__pip-runner__.py")
    runner = runner if p and os.path.isfile(runner) else ""
except Exception:
    p = 0'
    fp_flags=-I
    if [ -n "$uv" ]; then
        # uv installs, so pip is not asked about: importing it alone costs ~40 ms.
        fp_pip='p, runner = 0, ""'
        fp_flags=-IS
    fi
    fp_probe="import os, sys
v = sys.version_info
$fp_pip
print(runner)
marker = ''
if v >= (3, 9):
    marker = \"sys_platform == '%s' and platform_machine == '%s' and implementation_name == '%s' and python_version == '%d.%d'\" % (sys.platform, os.uname().machine, sys.implementation.name, v[0], v[1])
print(marker)
bad = '-'
if v >= (3, 9):
    for arg in sys.argv[1:]:
        what, _, path = arg.partition('=')
        try:
            os.fsencode(path).decode('utf-8')
        except UnicodeDecodeError:
            bad = what
            break
print('%d.%d %d %d %s %s' % (v[0], v[1], v >= (3, 9), p, bad, sys.executable))"
    python=""
    fp_old=""
    fp_newline='
'
    for fp_name in python3 python3.15 python3.14 python3.13 python3.12 python3.11 python3.10 python3.9 python; do
        check_cmd "$fp_name" || continue
        fp_info=$("$fp_name" "$fp_flags" -c "$fp_probe" "HOME=$HOME" "--bin-dir=$bin_dir" \
            "XDG_DATA_HOME=$data_dir" "XDG_CACHE_HOME=$cache_dir" \
            "XDG_CONFIG_HOME=${XDG_CONFIG_HOME:-}" "XDG_STATE_HOME=${XDG_STATE_HOME:-}" \
            "ZDOTDIR=${ZDOTDIR:-}" </dev/null 2>/dev/null) || continue
        fp_runner=${fp_info%%"$fp_newline"*}
        fp_info=${fp_info#*"$fp_newline"}
        fp_marker=${fp_info%%"$fp_newline"*}
        fp_info=${fp_info#*"$fp_newline"}
        fp_version=${fp_info%% *}
        fp_rest=${fp_info#* }
        if [ "${fp_rest%% *}" = 1 ]; then
            fp_rest=${fp_rest#1 }
            python_pip=${fp_rest%% *}
            pip_runner=$fp_runner
            fp_rest=${fp_rest#? }
            python_bad_name=${fp_rest%% *}
            python=${fp_rest#* }
            [ -n "$python" ] || python=$(command -v "$fp_name")
            python_version=$fp_version
            python_marker=$fp_marker
            return 0
        fi
        [ -n "$fp_old" ] || fp_old="$fp_name is $fp_version"
    done
    if [ -n "$fp_old" ]; then
        fail python_too_old "$PRODUCT_DISPLAY_NAME needs Python 3.9 or newer, and $fp_old" \
            "install a newer Python ($(suggest_python)), then run this installer again"
    fi
    fail no_python "$PRODUCT_DISPLAY_NAME needs Python 3.9 or newer, and none was found on PATH" \
        "install Python ($(suggest_python)), then run this installer again"
}

preflight() {
    for pf_cmd in mkdir rm mv rmdir uname; do
        check_cmd "$pf_cmd" || fail missing_tool "the '$pf_cmd' command is missing" \
            "install it (it is part of coreutils), then run this installer again"
    done
    uv=$(command -v uv 2>/dev/null) || uv=""
    find_python
    if [ -n "$uv" ]; then
        tool=uv
    else
        tool=pip
        # Without its own pip, the new environment needs one from ensurepip (slower).
        [ "$python_pip" = 1 ] || "$python" -I -c 'import venv, ensurepip' </dev/null >/dev/null 2>&1 ||
            fail missing_tool "Python $python_version at $python has neither pip nor ensurepip" \
                "install its venv module (e.g. sudo apt-get install python3-venv) or uv, then run this installer again"
    fi
    case "$source" in
        /* | ./* | ../*)
            [ -e "$source" ] || fail other "$source_label does not exist" \
                "check the path given to --from or ${PRODUCT_ENV_PREFIX}_INSTALL_SOURCE"
            ;;
    esac
    check_encoding
    say "using Python $python_version ($python) and $tool"
    verify_source
}

# The environment, pip and uv, and the receipt (a UTF-8 file) need folder names that
# are UTF-8; find_python asked the chosen Python, before anything was written.
check_encoding() {
    [ "$python_bad_name" = - ] || usage_error "$python_bad_name names a folder that is not valid UTF-8, which a Python environment and the install receipt cannot hold; choose a folder with a UTF-8 name"
}

# With a SHA-256 to check, the file is fetched (or copied) once into a temporary
# folder, checked there, and installed from there: what was checked is what is
# installed. A mismatch or a failed download installs nothing.
verify_source() {
    [ -n "$expected_sha256" ] || return 0
    vs_probe='import base64, hashlib, os, shutil, sys, tempfile, urllib.parse, urllib.request
source, expected, name = sys.argv[1:4]
LIMIT = 1 << 30
split = urllib.parse.urlsplit(source) if "://" in source else None
base = os.path.basename(urllib.parse.unquote(split.path) if split else source) or "download"
folder = tempfile.mkdtemp(prefix=name + "-verify-")
target = os.path.join(folder, base)
digest = hashlib.sha256()
try:
    if split is None:
        reader = open(source, "rb")
    else:
        bare = urllib.parse.urlunsplit(split._replace(netloc=split.netloc.rpartition("@")[2]))
        request = urllib.request.Request(bare)
        if split.username is not None:
            user = urllib.parse.unquote(split.username) + ":" + urllib.parse.unquote(split.password or "")
            request.add_header("Authorization", "Basic " + base64.b64encode(user.encode()).decode())
        reader = urllib.request.urlopen(request, timeout=60)
    with reader, open(target, "wb") as out:
        size = 0
        while size <= LIMIT:
            chunk = reader.read(1 << 16)
            if not chunk:
                break
            size += len(chunk)
            digest.update(chunk)
            out.write(chunk)
        if size > LIMIT:
            raise OSError("larger than 1 GiB")
except Exception as exc:
    shutil.rmtree(folder, ignore_errors=True)
    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
    print("error " + " ".join(str(reason).split()))
    sys.exit(0)
if digest.hexdigest() != expected:
    shutil.rmtree(folder, ignore_errors=True)
    print("mismatch " + digest.hexdigest())
    sys.exit(0)
print("ok " + target)'
    vs_out=$("$python" -I -S -c "$vs_probe" "$source" "$expected_sha256" "$PRODUCT_NAME" </dev/null 2>/dev/null)
    case "$vs_out" in
        "ok "*)
            source=${vs_out#ok }
            verify_dir=${source%/*}
            ;;
        "mismatch "*)
            fail package_failed "the SHA-256 of $source_label is ${vs_out#mismatch }, not $expected_sha256 as given, so it was not installed" \
                "check where the file and the hash came from, then run this installer again"
            ;;
        *)
            fail package_failed "could not fetch $source_label to check its SHA-256 (${vs_out#error })" \
                "check the address and your connection, then run this installer again"
            ;;
    esac
}

# Caches go into the product's own cache folder (removed by the uninstall) unless the
# person chose one, so the install leaves nothing in ~/.cache/pip or ~/.cache/uv.
use_own_cache() {
    if [ -z "${UV_CACHE_DIR:-}" ] && [ "$tool" = uv ]; then
        UV_CACHE_DIR="$cache_dir/uv"
        export UV_CACHE_DIR
        own_cache=1
    fi
    if [ -z "${PIP_CACHE_DIR:-}" ] && [ "$tool" = pip ]; then
        PIP_CACHE_DIR="$cache_dir/pip"
        export PIP_CACHE_DIR
        own_cache=1
    fi
    if [ "$own_cache" = 1 ]; then
        mkdir_tracked "$cache_dir" || fail permission_denied "cannot create $cache_dir" \
            "make ${cache_dir%/*} writable (or point XDG_CACHE_HOME at a folder you own)"
    fi
    # No prompts, no self-update checks, no Python downloads: quiet and predictable.
    PIP_DISABLE_PIP_VERSION_CHECK=1
    PIP_NO_INPUT=1
    export PIP_DISABLE_PIP_VERSION_CHECK PIP_NO_INPUT
    [ -n "${UV_PYTHON_DOWNLOADS:-}" ] || {
        UV_PYTHON_DOWNLOADS=never
        export UV_PYTHON_DOWNLOADS
    }
}

classify() {
    case "$fail_log" in
        *"No space left on device"* | *"Errno 28"* | *"os error 28"* | *"Disk quota exceeded"*)
            fail_class=disk_full
            ;;
        *"Permission denied"* | *"Errno 13"* | *"os error 13"* | *"Read-only file system"*)
            fail_class=permission_denied
            ;;
        *) fail_class=$1 ;;
    esac
}

hint_for() {
    case "$fail_class" in
        disk_full) printf 'free some disk space where %s lives, then run this installer again' "$data_dir" ;;
        permission_denied) printf 'make %s writable (or point XDG_DATA_HOME at a folder you own), then run this installer again' "$data_dir" ;;
        *) printf '%s' "$1" ;;
    esac
}

# The version of the package installed in the environment $1, in iv_version (empty: none).
installed_version() {
    iv_version=""
    case "$PRODUCT_PACKAGE" in
        *[A-Z.-]*) iv_norm=$(printf '%s' "$PRODUCT_PACKAGE" | tr 'A-Z.-' 'a-z__') ;;
        *) iv_norm=$PRODUCT_PACKAGE ;; # already as the dist-info folder spells it
    esac
    for iv_dir in "$1"/lib/python*/site-packages/"$iv_norm"-*.dist-info; do
        [ -d "$iv_dir" ] || continue
        iv_dir=${iv_dir##*/}
        iv_dir=${iv_dir#"$iv_norm"-}
        iv_version=${iv_dir%.dist-info}
        return 0
    done
}

make_environment() {
    # A run that was killed halfway may have left the previous environment aside.
    if [ -d "$aside" ]; then
        if [ -e "$venv" ]; then rm -rf "$aside"; else mv "$aside" "$venv"; fi
    fi
    if [ -e "$venv" ] || [ -L "$venv" ]; then
        had_previous=1
        installed_version "$venv"
        previous_version=$iv_version
    fi
    mkdir_tracked "$data_dir" || fail permission_denied "cannot create $data_dir" \
        "make ${data_dir%/*} writable (or point XDG_DATA_HOME at a folder you own), then run this installer again"
    use_own_cache
    if [ "$had_previous" = 1 ]; then
        # The old environment waits aside until the new one works, then goes.
        mv "$venv" "$aside" 2>/dev/null || fail permission_denied "cannot move $venv aside" \
            "make $data_dir writable, then run this installer again"
        moved_aside=1
    fi
    building=1
    [ "$tool" = uv ] && sync_requirement
    # With a requirement to name, uv sync makes the environment in the package stage.
    [ -n "$sync_req" ] || make_venv
}

make_venv() {
    if [ "$tool" = uv ]; then
        fail_log=$("$uv" venv --quiet --python "$python" "$venv" </dev/null 2>&1)
    elif [ "$python_pip" = 1 ]; then
        fail_log=$("$python" -m venv --without-pip "$venv" </dev/null 2>&1)
    else
        fail_log=$("$python" -m venv "$venv" </dev/null 2>&1)
    fi || {
        signalled $?
        classify venv_failed
        fail "$fail_class" "could not create the environment $venv" "$(hint_for "check the messages above, then run this installer again")"
    }
    fail_log=""
}

install_package() {
    if [ "$source_from_env" = 1 ]; then
        # Said even with -q: a variable set long ago should not change what is installed unseen.
        printf '%s: installing %s (from %s_INSTALL_SOURCE)\n' "$PRODUCT_NAME" "$source_label" \
            "$PRODUCT_ENV_PREFIX" >&2
    else
        say "installing $source_label"
    fi
    # Like uv, pip leaves compiling to the first import: only what runs gets compiled.
    if [ -n "$sync_req" ]; then
        sync_package
    elif [ "$tool" = uv ]; then
        fail_log=$("$uv" pip install --python "$venv/bin/python" "$source" </dev/null 2>&1)
    elif [ -n "$pip_runner" ]; then
        # What pip --python runs, without the first pip that only starts it.
        fail_log=$("$venv/bin/python" "$pip_runner" install --no-compile \
            --no-warn-script-location "$source" </dev/null 2>&1)
    elif [ "$python_pip" = 1 ]; then
        fail_log=$("$python" -m pip --python "$venv/bin/python" install --no-compile \
            --no-warn-script-location "$source" </dev/null 2>&1)
    else
        fail_log=$("$venv/bin/python" -m pip install --no-compile --no-warn-script-location \
            "$source" </dev/null 2>&1)
    fi || {
        signalled $?
        classify package_failed
        fail "$fail_class" "could not install $source_label" \
            "$(hint_for "check that $source_label is right and that the package index is reachable, then run this installer again")"
    }
    fail_log=""
    remove_verified
    [ -x "$venv/bin/$PRODUCT_COMMAND" ] || fail package_failed \
        "$source_label installed no '$PRODUCT_COMMAND' command" \
        "point --from at $PRODUCT_DISPLAY_NAME itself, then run this installer again"
    installed_version "$venv"
    new_version=$iv_version
    package_done=1
}

# uv sync of a throwaway project makes the environment and fills it in one start, where
# uv pip install first asks the new interpreter about itself (~40 ms: uv keeps the
# answer under the interpreter's path, and a first install is always at a new path).
# The project names what to install as NAME @ file URL, so only a source that names its
# package goes to it: this checkout, a wheel, or a requirement (sync_req; empty
# otherwise: a folder, an sdist or a URL go to uv pip install as they are, and so does
# anything a file URL or a TOML string would have to escape). Like uv tool install,
# uv sync reads uv's own settings and its environment variables, not uv.toml's [pip].
sync_requirement() {
    sync_req=""
    case "$python_marker" in "" | *[!A-Za-z0-9_.\ \'=]*) return 0 ;; esac
    if [ "$source" = "$checkout" ]; then
        sr_name=$PRODUCT_PACKAGE
        sr_path=$source
    else
        case "$source" in
            *-*.whl)
                [ -f "$source" ] || return 0
                sr_path=$source
                sr_name=${source##*/}
                sr_name=${sr_name%%-*}
                ;;
            "" | [!A-Za-z0-9]* | *[!A-Za-z0-9._,=!~\<\>-]*) return 0 ;;
            *)
                [ -e "$source" ] || sync_req=$source # not a folder named by its bare name
                return 0
                ;;
        esac
    fi
    case "$sr_path" in /*) ;; *) sr_path="$PWD/$sr_path" ;; esac
    case "$sr_name$sr_path" in "" | *[!A-Za-z0-9._/+~-]*) return 0 ;; esac
    sync_req="$sr_name @ file://$sr_path"
}

# The project is its own workspace in a private temporary folder, so no pyproject.toml
# above it has a say, and its resolution is pinned to this interpreter and machine, as
# uv pip install's is. When uv sync fails before the environment exists (a uv too old
# for it, say), the environment and the package are made the usual way, each failure
# named for its stage; a failure after that is the package's. The project's name is
# the environment's prompt, so it is the one uv venv gives, the folder's name.
sync_package() {
    sp_rc=1
    sync_dir=$(mktemp -d "${TMPDIR:-/tmp}/$PRODUCT_NAME-install.XXXXXX" 2>/dev/null) || sync_dir=""
    if [ -n "$sync_dir" ] && {
        printf '[project]\nname = "venv"\nversion = "0"\n'
        printf 'requires-python = ">=%s"\ndependencies = ["%s"]\n\n' "$python_version" "$sync_req"
        printf '[tool.uv]\npackage = false\nenvironments = ["%s"]\n\n' "$python_marker"
        printf '[tool.uv.workspace]\nmembers = []\n'
    } >"$sync_dir/pyproject.toml" 2>/dev/null; then
        sp_rc=0
        # A lock the person asked for elsewhere means nothing to this throwaway one, and
        # the lock file uv keeps in TMPDIR while it syncs goes with the project's folder.
        fail_log=$(
            unset UV_LOCKED UV_FROZEN VIRTUAL_ENV
            UV_PROJECT_ENVIRONMENT=$venv
            TMPDIR=$sync_dir
            export UV_PROJECT_ENVIRONMENT TMPDIR
            "$uv" sync --quiet --project "$sync_dir" --python "$python" </dev/null 2>&1
        ) || sp_rc=$?
    fi
    if [ "$sp_rc" = 0 ] && [ -x "$venv/bin/python" ]; then
        # With the project goes uv's lock for later syncs of the environment (none come).
        rm -rf "$sync_dir" "$venv/.lock"
        sync_dir=""
        return 0
    fi
    remove_sync_dir
    signalled "$sp_rc"
    [ "$sp_rc" = 0 ] || [ ! -e "$venv" ] || return "$sp_rc"
    rm -rf "$venv"
    sync_req=""
    current_stage=environment
    make_venv
    current_stage=package
    fail_log=$("$uv" pip install --python "$venv/bin/python" "$source" </dev/null 2>&1)
}

remove_sync_dir() {
    [ -z "$sync_dir" ] || rm -rf "$sync_dir"
    sync_dir=""
}

remove_verified() {
    [ -z "$verify_dir" ] || rm -rf "$verify_dir"
    verify_dir=""
}

# The link, path and wizard stages run in one Python process from the new environment
# (one interpreter start, not two). The link and path stages' outcome comes back on
# descriptor 3, closed before the wizard starts; setup opens /dev/tty itself and stdin
# is left as it is (with curl | sh it is the pipe). A signal meanwhile waits until that
# process has ended, when the outcome says whether the install stands: a wizard that
# is cut short never undoes a finished install. The command line, which only setup
# needs, is imported after finish, and a second interpreter compiles it meanwhile
# (see install/precompile.py in the package).
finish_and_ask() {
    current_stage="link"
    set -- _install finish --venv "$venv" --tool "$tool" --python "$python" \
        --source "$receipt_source" --bin-dir "$bin_dir" --created "$created_dirs"
    [ "$own_cache" = 1 ] && set -- "$@" --cache-dir "$cache_dir"
    [ "$no_modify_path" = 1 ] && set -- "$@" --no-modify-path
    [ "$quiet" = 1 ] && set -- "$@" --quiet
    set -- "$(($# + 2))" --product "$PRODUCT_NAME" "$@" --product "$PRODUCT_NAME" setup
    fa_trace="kind=$kind,method=script"
    [ -z "$started_epoch" ] || fa_trace="$fa_trace,started=$started_epoch"
    set -- "$@" --install-trace "$fa_trace$stage_times"
    [ "$noninteractive" = 1 ] && set -- "$@" --yes
    [ -n "$opt_flag" ] && set -- "$@" "$opt_flag"
    [ "$opt_inline" = 1 ] && set -- "$@" --inline
    fa_signal=""
    trap 'fa_signal=INT' INT
    trap 'fa_signal=TERM' TERM
    trap 'fa_signal=HUP' HUP
    # With -q, what setup says on stdout goes nowhere (its errors are on stderr, and the
    # wizard itself talks to /dev/tty).
    if [ "$quiet" = 1 ]; then exec 4>/dev/null; else exec 4>&1; fi
    fi_out=$("$venv/bin/python" -I -c 'import sys
from doorstep.install import precompile
compiler = precompile.start(close=(3,), screens=precompile.may_ask(sys.argv))
from doorstep.install import steps
def main(argv):
    from doorstep.cli import main
    return main(argv)
try:
    code = steps.finish_then_setup(sys.argv[1:], main, 3)
finally:
    precompile.wait(compiler)
sys.exit(code)' "$@" 3>&1 1>&4 4>&-)
    fi_rc=$?
    exec 4>&-
    trap 'on_signal INT' INT
    trap 'on_signal TERM' TERM
    trap 'on_signal HUP' HUP
    case "$fi_out" in
        failed=*:*)
            fi_out=${fi_out#failed=}
            current_stage=${fi_out%%:*}
            fail "${fi_out#*:}" ""
            ;;
        *path_state=*) ;;
        *)
            [ -z "$fa_signal" ] || on_signal "$fa_signal"
            fail other "the new environment could not finish the install (exit $fi_rc)" \
                "check the messages above, then run this installer again"
            ;;
    esac
    path_state=${fi_out##*path_state=}
    commit
    current_stage=wizard
    wizard_rc=$fi_rc
    [ -z "$fa_signal" ] || on_signal "$fa_signal"
}

commit() {
    committed=1
    if [ "$moved_aside" = 1 ]; then
        rm -rf "$aside" || warn "could not remove the previous environment $aside; delete it yourself"
    fi
}

install_kind() {
    if [ "$had_previous" = 0 ]; then
        kind=fresh
    elif [ -n "$previous_version" ] && [ "$previous_version" = "$new_version" ]; then
        kind=reinstall
    else
        kind=upgrade
    fi
}

# A path for people: under the home folder it starts with ~.
tilde() {
    case "$1" in
        "$HOME"/*) printf '~%s' "${1#"$HOME"}" ;;
        *) printf '%s' "$1" ;;
    esac
}

report() {
    [ "$wizard_rc" = 0 ] || warn "the first-run setup did not finish (exit $wizard_rc); run '$PRODUCT_COMMAND setup' to answer it later"
    [ "$quiet" = 1 ] && return 0
    case "$kind" in
        fresh) rp_what="$PRODUCT_DISPLAY_NAME $new_version is installed (fresh install)." ;;
        upgrade) rp_what="$PRODUCT_DISPLAY_NAME is upgraded from ${previous_version:-an unknown version} to $new_version (upgrade)." ;;
        *) rp_what="$PRODUCT_DISPLAY_NAME $new_version is reinstalled (reinstall of the same version)." ;;
    esac
    {
        printf '\n%s\n' "$rp_what"
        printf '  command:      %s\n' "$(tilde "$link")"
        printf '  environment:  %s\n' "$(tilde "$venv")"
        case "$path_state" in
            new_shells) printf "  to use it now, open a new terminal, or run:  export PATH=\"%s:\$PATH\"\n" "$bin_dir" ;;
            absent) printf '  %s is not on your PATH: add it there to run %s by name.\n' "$(tilde "$bin_dir")" "$PRODUCT_COMMAND" ;;
        esac
        printf "  to remove it: %s uninstall\n" "$PRODUCT_COMMAND"
    } >&2
}

# The end of pip's or uv's output, with the user and password of any URL in it hidden.
show_log() {
    [ -n "$fail_log" ] || return 0
    if check_cmd tail && check_cmd sed; then
        printf '%s\n' "$fail_log" | tail -n 15 | sed -e 's|://[^/?#]*@|://***@|g' -e 's/^/    /' >&2
    elif [ "$source_label" = "$source" ]; then
        printf '%s\n' "$fail_log" >&2
    fi
}

# install_failed, sent by an installed environment that works, and only if consent is
# recorded as on.
report_failure() {
    rf_python="$1/bin/python"
    shift
    [ -x "$rf_python" ] || return 0
    [ "$opt_flag" = --no-telemetry ] && set -- "$@" --no-telemetry
    "$rf_python" -I -m doorstep --product "$PRODUCT_NAME" _install failed \
        --stage "$current_stage" --error "$fail_class" "$@" </dev/null >/dev/null 2>&1
    return 0
}

roll_back() {
    remove_verified
    remove_sync_dir
    if [ "$building" = 1 ]; then
        # A fresh install has no other environment to report with: this one, before it goes.
        [ "$package_done" = 1 ] && [ "$moved_aside" = 0 ] && report_failure "$venv" --wait
        rm -rf "$venv"
    fi
    if [ "$moved_aside" = 1 ]; then
        mv "$aside" "$venv" || warn "your previous environment is in $aside; move it back to $venv"
    fi
    if [ "$building" = 0 ] || [ "$moved_aside" = 1 ]; then
        report_failure "$venv"
    fi
    remove_created_dirs
}

fail() {
    trap '' INT TERM HUP # a second Ctrl-C must not interrupt the clean-up
    fail_class=$1
    if [ -n "$2" ]; then
        printf '%s: install failed at the %s stage: %s\n' "$PRODUCT_NAME" "$current_stage" "$2" >&2
    else
        printf '%s: install failed at the %s stage (see above)\n' "$PRODUCT_NAME" "$current_stage" >&2
    fi
    show_log
    [ -z "${3:-}" ] || printf '%s: to fix it: %s\n' "$PRODUCT_NAME" "$3" >&2
    roll_back
    if [ "$had_previous" = 1 ]; then
        printf '%s: your previous installation%s is unchanged.\n' "$PRODUCT_NAME" \
            "${previous_version:+ ($previous_version)}" >&2
    else
        printf '%s: nothing was installed.\n' "$PRODUCT_NAME" >&2
    fi
    [ "$fail_class" = interrupted ] && exit 130
    exit 1
}

# A tool that Ctrl-C (or a hang-up, or a kill) ended exits 128 + the signal's number,
# and the shell may see that before it runs its own trap: the failure is the signal's.
signalled() {
    case "$1" in
        129) on_signal HUP ;;
        130) on_signal INT ;;
        143) on_signal TERM ;;
    esac
}

on_signal() {
    [ "$committed" = 1 ] && exit 130
    fail interrupted "interrupted ($1)" "run this installer again when you are ready"
}

main() {
    product_defaults
    find_checkout
    init_state
    parse_args "$@"
    check_product
    locate
    check_paths
    choose_source
    decide_interaction
    [ "$source" != "$checkout" ] || source_label="$PRODUCT_DISPLAY_NAME from the checkout $checkout"
    started_epoch=$(date +%s 2>/dev/null) || started_epoch=""
    case "$started_epoch" in "" | *[!0-9]*) started_epoch="" ;; esac
    trap 'on_signal INT' INT
    trap 'on_signal TERM' TERM
    trap 'on_signal HUP' HUP
    run_stage preflight preflight
    run_stage environment make_environment
    run_stage package install_package
    install_kind
    finish_and_ask
    report
}

main "$@"
