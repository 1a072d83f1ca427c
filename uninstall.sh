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
    tidy "$HOME" && home=$td_path
    tidy "$lc_data/$PRODUCT_NAME" && data_dir=$td_path
    tidy "$lc_config/$PRODUCT_NAME" && config_dir=$td_path
    tidy "$lc_state/$PRODUCT_NAME" && state_dir=$td_path
    tidy "$lc_cache/$PRODUCT_NAME" && cache_dir=$td_path
    own_cache_dir=$cache_dir
    tidy "$lc_config/fish/conf.d" && fish_dir=$td_path
    tidy "${ZDOTDIR:-$HOME}" && zsh_dir=$td_path
    env_value BIN_DIR
    bin_dir=${ev_value:-$HOME/.local/bin}
    tidy "$bin_dir" && bin_dir=$td_path
    link="$bin_dir/$PRODUCT_COMMAND"
    receipt="$config_dir/receipt.toml"
    # The environment is always this one: no program that a receipt names is ever run.
    venv="$data_dir/venv"
    tab=$(printf '\t')
    nl='
'
}

# A path the way the Python side writes it: doubled slashes and a trailing one dropped.
# The result is in td_path (a function's output would lose trailing newlines).
tidy() {
    td_path=$1
    # Bounded: every round takes one character off.
    while :; do
        case "$td_path" in
            *//*) td_path="${td_path%%//*}/${td_path#*//}" ;;
            *) break ;;
        esac
    done
    case "$td_path" in
        ?*/) td_path=${td_path%/} ;;
    esac
    return 0
}

# Whether $1 is absolute, with no ".", ".." or empty part: a path to compare as text.
plain_path() {
    case "$1" in
        /*) ;;
        *) return 1 ;;
    esac
    case "$1/" in
        *//* | */./* | */../*) return 1 ;;
    esac
    return 0
}

# Whether the folder $1 is $2 or holds it.
holds() {
    [ "$1" = "$2" ] && return 0
    case "$2" in
        "$1"/*) return 0 ;;
    esac
    return 1
}

# One reader of the receipt's TOML strings for both awk programs below: the text between
# the quotes with its backslash escapes undone; a \uXXXX escape (install.sh writes one
# only for a control character) becomes the awk argument "escaped".
AWK_UNQUOTE='
        function unquote(s, escaped,    out, i, c) {
            sub(/^[^"]*"/, "", s)
            sub(/"[^"]*$/, "", s)
            out = ""
            for (i = 1; i <= length(s); i++) {
                c = substr(s, i, 1)
                if (c == "\\") {
                    i++
                    c = substr(s, i, 1)
                    if (c == "u") { i += 4; c = escaped }
                }
                out = out c
            }
            return out
        }'

# The receipt is plain TOML that install.sh's Python side writes for exactly this
# reader: "key = value" lines, one string per array line, [[path_blocks]] last. A
# receipt is only evidence: what it names is checked before anything is touched.
parse_receipt() {
    LC_ALL=C awk "$AWK_UNQUOTE"'
        function flush() {
            if (file != "") print "block\t" (created == "true" ? 1 : 0) "\t" (newlines + 0) "\t" blocks "\t" file
            file = ""; created = ""; newlines = 0
        }
        /^\[\[path_blocks\]\]/ { flush(); section = "block"; blocks++; next }
        /^\[/ { flush(); section = "other"; next }
        in_array {
            if ($0 ~ /^\]/) { in_array = 0; next }
            if (array == "created_dirs" && section == "") print "created\t" unquote($0, "?")
            next
        }
        /^[a-z_]+ = \[$/ { in_array = 1; array = $1; next }
        /^[a-z_]+ = / {
            key = $1
            value = substr($0, index($0, "= ") + 2)
            if (section == "block") {
                if (key == "file") file = unquote(value, "?")
                else if (key == "created") created = value
                else if (key == "newlines") newlines = value
            } else if (section == "" && value ~ /^"/) {
                print key "\t" unquote(value, "?")
            }
        }
        END { flush() }
    ' "$receipt"
}

# What the receipt names that is not this product's own is one line each, and ignored:
# the environment, the folders and the spool are always the usual ones.
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
    # Without cache_dir in the receipt, the person's own pip/uv cache was used: not ours.
    cache_dir=""
    while IFS=$tab read -r rr_key rr_value; do
        case "$rr_key" in
            version) r_version=$rr_value ;;
            venv) own_value "$rr_key" "$rr_value" "$venv" ;;
            data_dir) own_value "$rr_key" "$rr_value" "$data_dir" ;;
            config_dir) own_value "$rr_key" "$rr_value" "$config_dir" ;;
            state_dir) own_value "$rr_key" "$rr_value" "$state_dir" ;;
            cache_dir)
                tidy "$rr_value"
                if plain_path "$td_path" && holds "$own_cache_dir" "$td_path"; then
                    cache_dir=$td_path
                else
                    warn "ignored cache_dir $rr_value from the receipt: it is not inside $own_cache_dir"
                fi
                ;;
            link)
                if plain_path "$rr_value" && [ "${rr_value##*/}" = "$PRODUCT_COMMAND" ]; then
                    link=$rr_value
                else
                    warn "ignored link $rr_value from the receipt: it is not a '$PRODUCT_COMMAND' command link"
                fi
                ;;
            created) r_created="$r_created$rr_value$nl" ;;
            block) r_blocks="$r_blocks$rr_value$nl" ;;
        esac
    done <<EOF
$rr_out
EOF
}

own_value() {
    tidy "$2"
    [ "$td_path" = "$3" ] ||
        warn "ignored $1 $2 from the receipt: it is not $PRODUCT_DISPLAY_NAME's own ($3)"
}

# A Python environment: a real folder with a pyvenv.cfg. Nothing else is removed whole.
is_environment() {
    [ -d "$1" ] && [ ! -L "$1" ] && [ -f "$1/pyvenv.cfg" ] && [ ! -L "$1/pyvenv.cfg" ]
}

# Whether the installed environment can run the uninstall itself, for this product.
environment_works() {
    is_environment "$venv" && [ -x "$venv/bin/python" ] &&
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

# Whether $1 is a start-up file that install.sh puts blocks into.
start_up_file() {
    plain_path "$1" || return 1
    case "${1##*/}" in
        .profile | .bash_profile | .bash_login | .bashrc | .zshenv | "$PRODUCT_NAME.fish") return 0 ;;
    esac
    return 1
}

# Where the block to take out of the file $3 is, as "first-line line-count": exactly the
# lines the receipt $1 recorded for its block number $2 or, with none recorded, the
# lines from the begin marker to the next end marker. Either way they must have exactly
# the shape install.sh writes, or "bad" is printed. Nothing: there is no such block.
find_block() {
    fb_at=$(LC_ALL=C awk -v want="$2" -v name="$PRODUCT_NAME" "$AWK_UNQUOTE"'
        # A folder word: $HOME/ at most once, then every special character escaped.
        function word(w, special,    i, c) {
            if (substr(w, 1, 6) == "$HOME/") w = substr(w, 7)
            for (i = 1; i <= length(w); i++) {
                c = substr(w, i, 1)
                if (c == "\\") {
                    i++
                    if (i > length(w) || !index(special, substr(w, i, 1))) return 0
                } else if (index(special, c)) return 0
            }
            return 1
        }
        # Whether s is pre, a word, then post; the word is left in inner.
        function around(s, pre, post) {
            if (length(s) < length(pre) + length(post)) return 0
            if (substr(s, 1, length(pre)) != pre) return 0
            if (substr(s, length(s) - length(post) + 1) != post) return 0
            inner = substr(s, length(pre) + 1, length(s) - length(pre) - length(post))
            return 1
        }
        function shaped(n,    i, c, k, first, mid) {
            if ((n != 4 && n != 6) || rec[1] != begin || rec[n] != end) return 0
            for (i = 1; i <= n; i++)
                for (c = 1; c <= length(control); c++)
                    if (index(rec[i], substr(control, c, 1))) return 0
            if (substr(rec[2], 1, 2) != "# " || index(rec[2], begin) || index(rec[2], end)) return 0
            if (n == 4) {
                if (!around(rec[3], "case \":${PATH}:\" in *:\"", ":$PATH\" ;; esac")) return 0
                mid = "\":*) ;; *) export PATH=\""
                k = index(inner, mid)
                if (!k) return 0
                first = substr(inner, 1, k - 1)
                return first == substr(inner, k + length(mid)) && word(first, "\\\"$`")
            }
            if (!around(rec[3], "if not contains -- \"", "\" $PATH")) return 0
            first = inner
            if (!around(rec[4], "    set -gx PATH \"", "\" $PATH")) return 0
            return first == inner && word(first, "\\\"$") && rec[5] == "end"
        }
        BEGIN {
            begin = "# >>> " name " >>>"
            end = "# <<< " name " <<<"
            for (c = 1; c < 32; c++) control = control sprintf("%c", c)
            control = control sprintf("%c", 127)
        }
        FILENAME == ARGV[1] {
            if ($0 ~ /^\[\[path_blocks\]\]/) { blocks++; section = "block"; next }
            if ($0 ~ /^\[/) { section = "other"; next }
            if (in_lines) {
                if ($0 ~ /^\]/) in_lines = 0
                else rec[++nrec] = unquote($0, substr(control, 1, 1))
                next
            }
            if (section == "block" && blocks == want && $0 ~ /^lines = \[$/) in_lines = 1
            next
        }
        { line[++nf] = $0 }
        END {
            if (nrec == 0) {
                for (i = 1; i <= nf && line[i] != begin; i++) ;
                for (j = i; j <= nf && line[j] != end; j++) ;
                if (j > nf) exit
                for (k = i; k <= j; k++) rec[++nrec] = line[k]
            }
            if (!shaped(nrec)) { print "bad"; exit }
            for (i = 1; i + nrec - 1 <= nf; i++) {
                for (k = 1; k <= nrec && line[i + k - 1] == rec[k]; k++) ;
                if (k > nrec) { print i, nrec, nf; exit }
            }
        }
    ' "$1" "$3" 2>/dev/null) || fb_at=""
    case "$fb_at" in
        "" | bad) printf '%s' "$fb_at" ;;
        *)
            fb_total=${fb_at##* }
            fb_at=${fb_at% *}
            # The block ends with a newline: as a last line without one, it is not it.
            if [ "$((${fb_at% *} + ${fb_at#* } - 1))" = "$fb_total" ] &&
                [ -n "$(tail -c 1 "$3")" ]; then
                return 0
            fi
            printf '%s' "$fb_at"
            ;;
    esac
}

# The files to clean: those the receipt names, then the usual ones (in case the
# receipt is gone), each as "created newlines index file" (index 0: not recorded).
block_files() {
    printf '%s' "$r_blocks"
    for bf_file in "$home/.profile" "$home/.bash_profile" "$home/.bash_login" "$home/.bashrc" \
        "$zsh_dir/.zshenv" "$fish_dir/$PRODUCT_NAME.fish"; do
        case "$nl$r_blocks" in
            *"$tab$bf_file$nl"*) ;;
            *) printf '1\t1\t0\t%s\n' "$bf_file" ;;
        esac
    done
}

# Whether the folder $1, which the receipt says the install created, may go (if empty):
# it holds one of the install's own places, and it is not the home folder or above it.
removable_folder() {
    plain_path "$1" || return 1
    holds "$1" "$home" && return 1
    while IFS= read -r rf_anchor; do
        [ -n "$rf_anchor" ] && holds "$1" "$rf_anchor" && return 0
    done <<EOF
$p_anchors
EOF
    return 1
}

plan() {
    p_lines=""
    p_blocks=""
    p_trees=""
    p_folders=""
    for p_tree in "$venv" "$venv.previous"; do
        if [ -L "$p_tree" ] || is_environment "$p_tree"; then
            p_trees="$p_trees$p_tree$nl"
            p_lines="$p_lines  $p_tree$nl"
        elif [ -e "$p_tree" ]; then
            warn "left $p_tree alone: it is not a Python environment (no pyvenv.cfg)"
        fi
    done
    [ -n "$cache_dir" ] && { [ -e "$cache_dir" ] || [ -L "$cache_dir" ]; } &&
        p_lines="$p_lines  $cache_dir$nl"
    p_link=0
    link_is_ours && p_link=1 && p_lines="$p_lines  $link$nl"
    p_receipt=/dev/null
    [ "$has_receipt" = 0 ] || p_receipt=$receipt
    # The places the install makes folders for; a created folder must lead to one.
    p_anchors="$data_dir$nl$config_dir$nl$state_dir$nl$own_cache_dir$nl$bin_dir"
    p_anchors="$p_anchors$nl$zsh_dir$nl$fish_dir"
    [ "$p_link" = 0 ] || p_anchors="$p_anchors$nl${link%/*}"
    while IFS=$tab read -r pb_created pb_newlines pb_index pb_file; do
        [ -n "$pb_file" ] || continue
        if ! start_up_file "$pb_file"; then
            warn "ignored the PATH block in $pb_file from the receipt: it is not a start-up file this installs into"
            continue
        fi
        [ -f "$pb_file" ] || continue
        pb_at=$(find_block "$p_receipt" "$pb_index" "$pb_file")
        case "$pb_at" in
            "")
                has_block "$pb_file" &&
                    warn "left the PATH block in $pb_file alone: it is not the one the install wrote; remove it yourself"
                continue
                ;;
            bad)
                warn "left the PATH block in $pb_file alone: it is not one this installer writes; remove it yourself"
                continue
                ;;
        esac
        p_blocks="$p_blocks$pb_created$tab$pb_newlines$tab$pb_index$tab$pb_file$nl"
        p_lines="$p_lines  PATH block in $pb_file$nl"
        p_anchors="$p_anchors$nl${pb_file%/*}"
    done <<EOF
$(block_files)
EOF
    while IFS= read -r pf_dir; do
        [ -n "$pf_dir" ] || continue
        if removable_folder "$pf_dir"; then
            p_folders="$p_folders$pf_dir$nl"
        else
            warn "ignored created folder $pf_dir from the receipt: the install cannot have made it"
        fi
    done <<EOF
$r_created
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

# Take a block out of a file byte for byte (found as find_block does), with the newlines
# that set it apart; delete the file if the install created it and nothing else is left.
remove_block() {
    rb_created=$3
    rb_newlines=$4
    rb_file=$5
    rb_at=$(find_block "$1" "$2" "$rb_file")
    case "$rb_at" in
        "" | bad) return 0 ;;
    esac
    rb_first=${rb_at% *}
    rb_last=$((rb_first + ${rb_at#* } - 1))
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
    # cp -p keeps the mode (and, for root, the owner); the new content is then written
    # into the copy and renamed.
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
    [ "$p_link" = 0 ] || rm -f "$link"
    while IFS=$tab read -r ra_created ra_newlines ra_index ra_file; do
        [ -z "$ra_file" ] ||
            remove_block "$p_receipt" "$ra_index" "$ra_created" "$ra_newlines" "$ra_file"
    done <<EOF
$p_blocks
EOF
    while IFS= read -r ra_tree; do
        [ -n "$ra_tree" ] || continue
        # Checked again at the last moment: a link goes as a link, an environment whole.
        if [ -L "$ra_tree" ]; then
            rm -f "$ra_tree"
        elif is_environment "$ra_tree"; then
            rm -rf "$ra_tree"
        fi
    done <<EOF
$p_trees
EOF
    [ -z "$cache_dir" ] || rm -rf "$cache_dir"
    rm -f "$state_dir"/spool.* "$receipt"
    [ "$opt_keep" = 1 ] || rm -f "$config_dir/telemetry.toml"
    rmdir "$data_dir" "$state_dir" "$config_dir" 2>/dev/null
    while IFS= read -r ra_dir; do
        [ -z "$ra_dir" ] || rmdir "$ra_dir" 2>/dev/null
    done <<EOF
$p_folders
EOF
    return 0
}

fallback() {
    plan
    if [ -z "$p_lines" ]; then
        say "Nothing to remove: $PRODUCT_DISPLAY_NAME is not installed here."
        exit 0
    fi
    if [ "$has_receipt" = 1 ] && [ ! -e "$venv" ]; then
        say "The environment in $venv is gone; removing what the install receipt lists."
    elif [ "$has_receipt" = 1 ]; then
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
    read_receipt
    if environment_works; then
        delegate
    fi
    fallback
}

main "$@"
