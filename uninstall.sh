#!/bin/sh
# shellcheck shell=dash
#
# Removes Doorstep and everything its installer wrote, leaving your home folder as
# it was before the install:
#
#   curl -fsSL URL/uninstall.sh | sh -s -- --yes
#   sh uninstall.sh [--yes] [--keep-config] [--dry-run]
#
# When the installed environment works, this hands over to 'doorstep uninstall' (which
# also sends uninstall_started, if and only if you agreed to share usage data). When the
# environment is broken or gone, this script removes everything itself, guided by the
# install receipt, and sends nothing. Every line is a definition until the last one
# calls main, so a download that is cut short runs nothing.

set -u

# The product this script removes, filled in from its product file when the script was
# made: it is downloaded alone.
product_defaults() {
    PRODUCT_NAME="doorstep"
    PRODUCT_DISPLAY_NAME="Doorstep"
    PRODUCT_ENV_PREFIX="DOORSTEP"
    PRODUCT_COMMAND="doorstep"
}

usage() {
    cat <<EOF
Remove $PRODUCT_DISPLAY_NAME: its environment, the '$PRODUCT_COMMAND' command, the PATH lines the
installer added, its cache, its spool, the install receipt and your consent record.

Usage: sh uninstall.sh [options]
       curl -fsSL URL/uninstall.sh | sh -s -- [options]

Options:
  -y, --yes          do not ask for confirmation
      --keep-config  keep your consent record (telemetry.toml)
      --dry-run      list what would be removed, and remove nothing
      --telemetry | --no-telemetry
                     decide for this run whether uninstall_started may be sent
  -h, --help         show this help
EOF
}

say() {
    printf '%s\n' "$*"
}

warn() {
    printf '%s: warning: %s\n' "$PRODUCT_NAME" "$*" >&2
}

err() {
    printf '%s: %s\n' "$PRODUCT_NAME" "$*" >&2
    exit 1
}

usage_error() {
    printf "%s: %s (see 'sh uninstall.sh --help')\n" "$PRODUCT_NAME" "$*" >&2
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

env_value() {
    eval "printf '%s' \"\${${PRODUCT_ENV_PREFIX}_$1:-}\""
}

parse_args() {
    opt_yes=0
    opt_keep=0
    opt_dry=0
    opt_flag=""
    while [ $# -gt 0 ]; do
        case "$1" in
            -y | --yes) opt_yes=1 ;;
            --keep-config) opt_keep=1 ;;
            --dry-run) opt_dry=1 ;;
            --telemetry | --no-telemetry)
                [ -z "$opt_flag" ] || [ "$opt_flag" = "$1" ] ||
                    usage_error "choose one of --telemetry and --no-telemetry"
                opt_flag=$1
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            *) usage_error "unknown option '$1'" ;;
        esac
        shift
    done
}

# The same folders platformdirs gives the Python side (see install.sh).
locate() {
    case "${HOME:-}" in
        /*) ;;
        *) usage_error "HOME must be set to your home folder" ;;
    esac
    if [ "$(uname -s 2>/dev/null)" = Darwin ]; then
        lc_data="$HOME/Library/Application Support"
        lc_config=$lc_data
        lc_state=$lc_data
        lc_cache="$HOME/Library/Caches"
    else
        lc_data="$HOME/.local/share"
        lc_config="$HOME/.config"
        lc_state="$HOME/.local/state"
        lc_cache="$HOME/.cache"
    fi
    case "${XDG_DATA_HOME:-}" in /*) lc_data=$XDG_DATA_HOME ;; esac
    case "${XDG_CONFIG_HOME:-}" in /*) lc_config=$XDG_CONFIG_HOME ;; esac
    case "${XDG_STATE_HOME:-}" in /*) lc_state=$XDG_STATE_HOME ;; esac
    case "${XDG_CACHE_HOME:-}" in /*) lc_cache=$XDG_CACHE_HOME ;; esac
    data_dir="$lc_data/$PRODUCT_NAME"
    config_dir="$lc_config/$PRODUCT_NAME"
    state_dir="$lc_state/$PRODUCT_NAME"
    cache_dir="$lc_cache/$PRODUCT_NAME"
    bin_dir=$(env_value BIN_DIR)
    [ -n "$bin_dir" ] || bin_dir="$HOME/.local/bin"
    link="$bin_dir/$PRODUCT_COMMAND"
    receipt="$config_dir/receipt.toml"
    tab=$(printf '\t')
    nl='
'
}

# The receipt is plain TOML that install.sh's Python side writes for exactly this
# reader: "key = value" lines, one string per array line, [[path_blocks]] last.
parse_receipt() {
    awk '
        function unquote(s,    out, i, c) {
            sub(/^[^"]*"/, "", s)
            sub(/"[^"]*$/, "", s)
            out = ""
            for (i = 1; i <= length(s); i++) {
                c = substr(s, i, 1)
                if (c == "\\") {
                    i++
                    c = substr(s, i, 1)
                    if (c == "u") { i += 4; c = "?" }
                }
                out = out c
            }
            return out
        }
        function flush() {
            if (file != "") print "block\t" (created == "true" ? 1 : 0) "\t" (newlines + 0) "\t" file
            file = ""; created = ""; newlines = 0
        }
        /^\[\[path_blocks\]\]/ { flush(); section = "block"; next }
        /^\[/ { flush(); section = "other"; next }
        in_array {
            if ($0 ~ /^\]/) { in_array = 0; next }
            if (array == "created_dirs" && section == "") print "created\t" unquote($0)
            next
        }
        /^[a-z_]+ = \[$/ { in_array = 1; array = $1; next }
        /^[a-z_]+ = / {
            key = $1
            value = substr($0, index($0, "= ") + 2)
            if (section == "block") {
                if (key == "file") file = unquote(value)
                else if (key == "created") created = value
                else if (key == "newlines") newlines = value
            } else if (section == "" && value ~ /^"/) {
                print key "\t" unquote(value)
            }
        }
        END { flush() }
    ' "$receipt"
}

read_receipt() {
    r_version=""
    r_created=""
    r_blocks=""
    has_receipt=0
    [ -f "$receipt" ] || return 0
    check_cmd awk || {
        warn "awk is missing, so the receipt cannot be read; using the usual places"
        return 0
    }
    rr_out=$(parse_receipt) || return 0
    has_receipt=1
    while IFS=$tab read -r rr_key rr_value; do
        case "$rr_key" in
            version) r_version=$rr_value ;;
            venv) venv=$rr_value ;;
            link) link=$rr_value ;;
            data_dir) data_dir=$rr_value ;;
            config_dir) config_dir=$rr_value ;;
            state_dir) state_dir=$rr_value ;;
            cache_dir) cache_dir=$rr_value ;;
            created) r_created="$r_created$rr_value$nl" ;;
            block) r_blocks="$r_blocks$rr_value$nl" ;;
        esac
    done <<EOF
$rr_out
EOF
    # Without cache_dir in the receipt, the person's own pip/uv cache was used: not ours.
    case "$rr_out" in
        *"cache_dir$tab"*) ;;
        *) cache_dir="" ;;
    esac
}

# Whether the installed environment can run the uninstall itself, for this product.
environment_works() {
    [ -x "$venv/bin/python" ] &&
        "$venv/bin/python" -I -c 'import sys, doorstep.install.uninstall
from doorstep.foundation.product import load
load(sys.argv[1])' "$PRODUCT_NAME" </dev/null >/dev/null 2>&1
}

delegate() {
    set -- uninstall --method script
    [ "$opt_yes" = 1 ] && set -- "$@" --yes
    [ "$opt_keep" = 1 ] && set -- "$@" --keep-config
    [ "$opt_dry" = 1 ] && set -- "$@" --dry-run
    [ -n "$opt_flag" ] && set -- "$@" "$opt_flag"
    exec "$venv/bin/python" -I -m doorstep --product "$PRODUCT_NAME" "$@"
}

link_is_ours() {
    [ -L "$link" ] || return 1
    if check_cmd readlink; then
        lo_target=$(readlink "$link" 2>/dev/null) || return 1
    else
        lo_target=$(ls -l "$link" 2>/dev/null) || return 1
        lo_target=${lo_target#* -> }
    fi
    case "$lo_target" in
        "$venv"/*) return 0 ;;
    esac
    return 1
}

has_block() {
    [ -f "$1" ] && grep -q -x -F -e "# >>> $PRODUCT_NAME >>>" "$1" 2>/dev/null
}

# The files to clean: those the receipt names, then the usual ones (in case the
# receipt is gone), each with "created newlines file".
block_files() {
    printf '%s' "$r_blocks"
    bf_config=$HOME/.config
    case "${XDG_CONFIG_HOME:-}" in /*) bf_config=$XDG_CONFIG_HOME ;; esac
    for bf_file in "$HOME/.profile" "$HOME/.bash_profile" "$HOME/.bash_login" "$HOME/.bashrc" \
        "${ZDOTDIR:-$HOME}/.zshenv" "$bf_config/fish/conf.d/$PRODUCT_NAME.fish"; do
        case "$nl$r_blocks" in
            *"$tab$bf_file$nl"*) ;;
            *) printf '1\t1\t%s\n' "$bf_file" ;;
        esac
    done
}

plan() {
    p_lines=""
    p_blocks=""
    for p_tree in "$venv" "$venv.previous" "$cache_dir"; do
        [ -n "$p_tree" ] && { [ -e "$p_tree" ] || [ -L "$p_tree" ]; } &&
            p_lines="$p_lines  $p_tree$nl"
    done
    link_is_ours && p_lines="$p_lines  $link$nl"
    while IFS=$tab read -r pb_created pb_newlines pb_file; do
        if [ -z "$pb_file" ] || ! has_block "$pb_file"; then continue; fi
        p_blocks="$p_blocks$pb_created$tab$pb_newlines$tab$pb_file$nl"
        p_lines="$p_lines  PATH block in $pb_file$nl"
    done <<EOF
$(block_files)
EOF
    for p_file in "$state_dir"/spool.* "$receipt"; do
        [ -e "$p_file" ] && p_lines="$p_lines  $p_file$nl"
    done
    [ "$opt_keep" = 1 ] || [ ! -e "$config_dir/telemetry.toml" ] ||
        p_lines="$p_lines  $config_dir/telemetry.toml$nl"
}

confirm() {
    if [ "$opt_yes" = 1 ] || truthy "${CI:-}" || truthy "${NONINTERACTIVE:-}"; then
        return 0
    fi
    (exec </dev/tty) 2>/dev/null ||
        err "nothing was removed: there is no terminal to confirm on; run again with --yes"
    printf 'Remove %s and everything listed above? [y/N] ' "$PRODUCT_DISPLAY_NAME" >/dev/tty
    read -r cf_answer </dev/tty || cf_answer=""
    case "$cf_answer" in
        y | Y | yes | YES | Yes) return 0 ;;
    esac
    err "uninstall cancelled: nothing was removed"
}

# Take the marked block out of a file byte for byte, with the newlines that set it
# apart; delete the file if the install created it and nothing else is left.
remove_block() {
    rb_created=$1
    rb_newlines=$2
    rb_file=$3
    rb_first=$(grep -n -x -F -e "# >>> $PRODUCT_NAME >>>" "$rb_file" | head -n 1)
    rb_first=${rb_first%%:*}
    [ -n "$rb_first" ] || return 0
    rb_last=$(tail -n "+$rb_first" "$rb_file" | grep -n -x -F -e "# <<< $PRODUCT_NAME <<<" | head -n 1)
    rb_last=${rb_last%%:*}
    if [ -z "$rb_last" ]; then
        warn "the block in $rb_file has no end marker; left it alone"
        return 1
    fi
    rb_last=$((rb_first + rb_last - 1))
    rb_keep=0
    [ "$rb_first" -gt 1 ] && rb_keep=$(($(head -n "$((rb_first - 1))" "$rb_file" | wc -c)))
    # The separating newlines always leave a blank line before the block; they go only
    # if that line is still there. With lines after the block, one stays to end the
    # line before it.
    if [ "$rb_newlines" -gt 0 ] && [ "$rb_first" -gt 2 ] &&
        [ -z "$(sed -n "$((rb_first - 1))p" "$rb_file")" ]; then
        [ $(($(tail -n "+$((rb_last + 1))" "$rb_file" | wc -c))) -eq 0 ] || rb_newlines=1
        rb_keep=$((rb_keep - rb_newlines))
    fi
    rb_tmp="$rb_file.$PRODUCT_NAME-uninstall.$$"
    # cp -p keeps the mode; the new content is then written into the copy and renamed.
    cp -p "$rb_file" "$rb_tmp" 2>/dev/null || {
        warn "cannot write next to $rb_file; left it alone"
        return 1
    }
    {
        [ "$rb_keep" -gt 0 ] && dd if="$rb_file" bs="$rb_keep" count=1 2>/dev/null
        tail -n "+$((rb_last + 1))" "$rb_file"
    } >"$rb_tmp"
    if [ "$rb_created" = 1 ] && [ ! -s "$rb_tmp" ]; then
        rm -f "$rb_tmp" "$rb_file"
    elif [ -L "$rb_file" ]; then
        # A start-up file that is a link (dotfile managers) is rewritten where it points.
        cat "$rb_tmp" >"$rb_file" && rm -f "$rb_tmp"
    else
        mv -f "$rb_tmp" "$rb_file"
    fi
}

remove_all() {
    link_is_ours && rm -f "$link"
    while IFS=$tab read -r ra_created ra_newlines ra_file; do
        [ -n "$ra_file" ] && remove_block "$ra_created" "$ra_newlines" "$ra_file"
    done <<EOF
$p_blocks
EOF
    rm -rf "$venv" "$venv.previous"
    [ -z "$cache_dir" ] || rm -rf "$cache_dir"
    rm -f "$state_dir"/spool.* "$receipt"
    [ "$opt_keep" = 1 ] || rm -f "$config_dir/telemetry.toml"
    rmdir "$data_dir" "$state_dir" "$config_dir" 2>/dev/null
    ra_ifs=$IFS
    IFS=$nl
    for ra_dir in $r_created; do
        rmdir "$ra_dir" 2>/dev/null
    done
    IFS=$ra_ifs
    return 0
}

fallback() {
    plan
    if [ -z "$p_lines" ]; then
        say "Nothing to remove: $PRODUCT_DISPLAY_NAME is not installed here."
        exit 0
    fi
    if [ "$has_receipt" = 1 ]; then
        say "The environment in $venv cannot run; removing what the install receipt lists."
    else
        say "No working environment and no install receipt; removing what is in the usual places."
    fi
    say "Nothing is sent: the part of $PRODUCT_DISPLAY_NAME that could send is not working."
    if [ "$opt_dry" = 1 ]; then
        say "Would remove $PRODUCT_DISPLAY_NAME${r_version:+ $r_version}:"
        printf '%s' "$p_lines"
        say "Nothing was removed (--dry-run)."
        exit 0
    fi
    say "Removing $PRODUCT_DISPLAY_NAME${r_version:+ $r_version}:"
    printf '%s' "$p_lines"
    confirm
    trap '' INT TERM HUP # half an uninstall helps nobody
    remove_all
    [ "$opt_keep" = 0 ] || [ ! -e "$config_dir/telemetry.toml" ] ||
        say "Kept your consent record $config_dir/telemetry.toml (--keep-config)."
    say "$PRODUCT_DISPLAY_NAME is uninstalled."
}

main() {
    product_defaults
    parse_args "$@"
    locate
    venv="$data_dir/venv"
    read_receipt
    if environment_works; then
        delegate
    fi
    fallback
}

main "$@"
