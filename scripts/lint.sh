#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Source checks, printed as the KTAP suite "lint":
#   spdx           every source file carries an SPDX line (line 1, or 2
#                  after a shebang)
#   rustfmt        every Rust file is formatted by the kernel's rules
#                  (.rustfmt.toml, copied from the kernel tree; rustfmt does
#                  not reach M= modules through the kernel's own rustfmtcheck)
#   shell-syntax   every shell script parses
#   shared-context the driver API's `info` and `fw_rpc` callbacks, which
#                  the core runs concurrently on one FD, reach the driver's
#                  context only through the shared accessor (`from_raw`);
#                  the exclusive one (`driver_part_mut`) is used in
#                  `close_uctx` alone
#   rst            every reStructuredText file parses with docutils without
#                  a warning or error (a malformed table, an unterminated
#                  inline literal, a short title underline); the roles and
#                  directives docutils does not know (the kernel's Sphinx
#                  extensions: :doc:, :c:func:, kernel-doc, ...) are
#                  accepted as they are. Needs python3-docutils
#                  (scripts/setup.sh installs it)
#   clippy         rustup's clippy on the tools/ workspace (the tool, the
#                  emulator, the report, the guest suites), every target,
#                  warnings as errors; built as the Makefile builds it
#                  (rustup's cargo without the kernel's RUSTC/RUSTFLAGS,
#                  --locked, build/cargo). Needs rustup's clippy component
#                  (scripts/setup.sh adds it)
# Clippy on the modules runs with every module build (see the Makefile).
#
# Usage: scripts/lint.sh [--fix]     --fix reformats instead of checking
set -uo pipefail

cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
fix=0
[ "${1:-}" = --fix ] && fix=1

if git rev-parse --git-dir >/dev/null 2>&1; then
	files() { git ls-files --cached --others --exclude-standard -- "$@"; }
else
	files() { find . -path ./build -prune -o -type f -print | sed 's|^\./||'; }
fi

if [ $fix = 1 ]; then
	files '*.rs' | xargs -r rustfmt --edition 2021 --config-path .rustfmt.toml
	exit
fi

n=0 failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# case NAME: the output of the check so far is in $out; status $1.
case_end() {
	local status=$1 name=$2
	n=$((n + 1))
	if [ "$status" -eq 0 ]; then
		echo "    ok $n $name"
	else
		failed=$((failed + 1))
		head -n 40 "$out" | sed "s/^/    # $name: /"
		echo "    not ok $n $name"
	fi
}

echo "KTAP version 1"
echo "1..1"
echo "    KTAP version 1"
echo "    # Subtest: lint"
echo "    1..6"

: >"$out"
while read -r f; do
	case "$f" in
	*.rs | *.c | *.h | *.sh | Makefile | */Makefile | Kbuild | */Kbuild | *.toml | *.yml | *.config | scripts/guest/*) ;;
	*) continue ;;
	esac
	[ -f "$f" ] || continue
	head -n 2 "$f" | grep -q 'SPDX-License-Identifier:' || echo "$f: no SPDX line" >>"$out"
done < <(files)
[ -s "$out" ]
case_end $((1 - $?)) spdx

: >"$out"
files '*.rs' | xargs -r rustfmt --check --color never --edition 2021 --config-path .rustfmt.toml >"$out" 2>&1
case_end $? rustfmt

: >"$out"
st=0
while read -r f; do
	bash -n "$f" >>"$out" 2>&1 || st=1
done < <(files '*.sh' scripts/guest/init scripts/guest/demo .ci/run)
case_end $st shell-syntax

: >"$out"
api=drivers/fwctl/rust/fwctl.rs
# The body of callback $1: from its `extern "C" fn` line to the closing
# brace at the same indentation.
callback() {
	awk -v fn="$1" '
		$0 ~ "extern \"C\" fn " fn "\\(" { on = 1 }
		on { print }
		on && /^    }$/ { exit }' "$api"
}
for cb in info fw_rpc; do
	body=$(callback "$cb")
	[ -n "$body" ] || { echo "$api: no callback $cb" >>"$out"; continue; }
	grep -q 'UserCtx::<T>::from_raw(uctx)' <<<"$body" ||
		echo "$api: $cb does not take the context with the shared accessor" >>"$out"
	grep -nE 'driver_part_mut|_mut\(\)|&mut \*|Pin<&mut' <<<"$body" |
		sed "s|^|$api: $cb forms an exclusive reference: |" >>"$out"
done
[ "$(grep -c 'driver_part_mut(uctx)' "$api")" = 1 ] && callback close_uctx | grep -q 'driver_part_mut(uctx)' ||
	echo "$api: driver_part_mut must be used once, in close_uctx" >>"$out"
[ -s "$out" ]
case_end $((1 - $?)) shared-context

# One line per message (its text without the quoted source), as
# FILE:LINE: (LEVEL/N) TEXT. An unknown role renders as a literal and an
# unknown directive as nothing, so that only real markup errors remain.
: >"$out"
mapfile -t rst < <(files '*.rst' | grep '\.rst$')
if ! command -v python3 >/dev/null; then
	echo "python3 not found; install python3-docutils (scripts/setup.sh)" >"$out"
	false
else
	python3 - "${rst[@]}" >"$out" 2>&1 <<'PY'
import sys

try:
    import docutils.core
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles
except ImportError as e:
    sys.exit(f"docutils not importable ({e}); install python3-docutils (scripts/setup.sh)")


class AnyOption(dict):
    def __missing__(self, key):
        return directives.unchanged

    def __bool__(self):
        return True


class Unknown(Directive):
    optional_arguments = 100
    final_argument_whitespace = True
    option_spec = AnyOption()
    has_content = True

    def run(self):
        return []


known_directive, known_role = directives.directive, roles.role


def directive(name, language, document):
    cls, messages = known_directive(name, language, document)
    return (cls, messages) if cls else (Unknown, [])


def role(name, language, lineno, reporter):
    fn, messages = known_role(name, language, lineno, reporter)
    return (fn, messages) if fn else (roles.GenericRole(name, nodes.literal), [])


directives.directive, roles.role = directive, role


class Messages:
    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(text.split("\n\n", 1)[0].strip())

    def flush(self):
        pass


failed = False
for path in sys.argv[1:]:
    messages = Messages()
    with open(path, encoding="utf-8") as f:
        source = f.read()
    docutils.core.publish_doctree(
        source,
        source_path=path,
        settings_overrides={
            "report_level": 2,
            "halt_level": 5,
            "warning_stream": messages,
            "_disable_config": True,
        },
    )
    for line in messages.lines:
        print(line)
        failed = True
sys.exit(failed)
PY
fi
case_end $? rst

# One line per diagnostic (--message-format short), its path from the
# repository's top.
: >"$out"
cargo=(env -u RUSTC -u RUSTFLAGS cargo)
target=$PWD/build/cargo
if ! (cd tools && "${cargo[@]}" clippy --version) >/dev/null 2>&1; then
	echo "cargo clippy not found; rustup component add clippy (scripts/setup.sh)" >"$out"
	false
else
	(cd tools && "${cargo[@]}" clippy --quiet --locked --release --workspace --all-targets \
		--target-dir "$target" --message-format short -- -D warnings) 2>&1 |
		sed -E 's|^([^ :]+\.rs:[0-9]+:)|tools/\1|' >"$out"
	[ "${PIPESTATUS[0]}" -eq 0 ]
fi
case_end $? clippy

[ $failed -eq 0 ] && echo "ok 1 lint" || echo "not ok 1 lint"
[ $failed -eq 0 ]
