#!/bin/sh
# check-symbols.sh — fail when the library exports a symbol without one of
# the module prefixes listed in $prefixes below.
# Usage: scripts/check-symbols.sh LIB   (exit 0 clean, 1 offenders, 2 error)
set -u
prefixes="sim_ coin_ hw_ hist_ fill_ synth_ boot_ mkt_ mdl_ econ_ daa_ payout_ fleet_ net_ ldg_ book_ lhr_ hwf_ hwv_ life_ stress_ scn_ h5_ ana_ app_ eng_"

if [ $# -ne 1 ]; then
    echo "usage: scripts/check-symbols.sh LIB" >&2
    exit 2
fi
lib=$1
if [ ! -r "$lib" ]; then
    echo "check-symbols: $lib: cannot read it (build it first)" >&2
    exit 2
fi
list=$(mktemp) || exit 2
trap 'rm -f "$list"' EXIT
trap 'exit 2' HUP INT TERM

# POSIX format: "lib[member.o]:" opens a member; "name type value size"
# follows for each defined global symbol.
if ! nm -P -g --defined-only "$lib" >"$list"; then
    echo "check-symbols: nm failed on $lib" >&2
    exit 2
fi
bad=$(awk -v prefixes="$prefixes" '
    BEGIN { np = split(prefixes, p, " ") }
    NF == 1 && /:$/ {
        obj = $1
        sub(/^.*\[/, "", obj); sub(/\]:$/, "", obj)
        next
    }
    # names the sanitizers add to instrumented objects are not ours
    NF >= 2 && $1 ~ /^__(odr_asan|asan|ubsan|sanitizer)/ { next }
    NF >= 2 {
        for (i = 1; i <= np; i++)
            if (index($1, p[i]) == 1)
                next
        printf "  %s (%s, type %s)\n", $1, obj, $2
    }
' "$list")
if ! awk 'NF >= 2 { found = 1 } END { exit !found }' "$list"; then
    echo "check-symbols: $lib exports no symbol at all" >&2
    exit 1
fi
if [ -n "$bad" ]; then
    echo "check-symbols: $lib exports names without a module prefix" \
        "($prefixes):" >&2
    echo "$bad" >&2
    exit 1
fi
echo "check-symbols: $lib: $(awk 'NF >= 2' "$list" | wc -l | tr -d ' ')" \
    "exported symbols, all prefixed"
exit 0
