#!/usr/bin/env bash
# Runs ngc-learn's own component tests (tests/components of a checkout of its repository
# at 3.1.1: commit ad0cc85e, "nudge for ngclearn docs to v3.1.1", whose
# test_REINFORCESynapse imports `_gaussian_logpdf` as 3.1.1 defines it) through the ngclearn_rs package, their imports rewritten from
# `ngclearn` (and ngcsimlib's Context) to `ngclearn_rs`, and prints pytest's summary. A
# test whose class is not here yet fails to import (pytest counts it as an error).
#
# Usage: scripts/run_ngclearn_component_tests.sh NGC_LEARN_CHECKOUT [PYTHON]
#   NGC_LEARN_CHECKOUT: a clone of github.com/NACLab/ngc-learn (its tests/components is read)
#   PYTHON: a Python with ngclearn_rs, jax and pytest installed (default: python3)
set -euo pipefail
src="${1:?a checkout of ngc-learn}"
py="${2:-python3}"
test -d "$src/tests/components" || { echo "$src/tests/components: no such directory"; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$src/tests/components" "$work/components"
# ngclearn's Context is ngcsimlib's (`from ngcsimlib.context import Context`): the
# package's Context stands for both.
find "$work" -name "*.py" -exec sed -i -E \
  's/\bfrom ngclearn([. ])/from ngclearn_rs\1/; s/^import ngclearn\b/import ngclearn_rs as ngclearn/; s/^from ngcsimlib\.context import Context$/from ngclearn_rs import Context/' {} +
cd "$work"
"$py" -m pytest -q -p no:cacheprovider --continue-on-collection-errors components "${@:3}"
