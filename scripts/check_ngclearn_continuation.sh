#!/usr/bin/env bash
# Checks that ngclearn 3.1.1 loads what we save and continues the run identically.
# Needs a Python with ngclearn 3.1.1 (default: ./venv312/bin/python, or $PYTHON):
#   python3.12 -m venv venv312 && venv312/bin/pip install ngclearn==3.1.1
# 1. We load the fixture model, run K steps, and save it.
# 2. ngclearn loads our directory and runs 10000-K more steps.
# 3. Its post-synaptic spikes must be the fixture's spikes after step K (shifted by K).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-venv312/bin/python}
if ! "$PYTHON" -c "import ngclearn" 2>/dev/null; then
  echo "skipped: no Python with ngclearn at $PYTHON (set PYTHON)"; exit 0
fi
FIXTURES=crates/ngclearn/tests/fixtures/ngclearn-3.1.1
MODEL=$FIXTURES/models/ei_alpha_tutorial
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
status=0
for K in 0 5000; do
  cargo run -q --release --example resave -- "$MODEL" "$OUT/ei_alpha_tutorial" "$K"
  REST=$((10000 - K))
  GOT=$(cd "$OUT" && "$OLDPWD/$PYTHON" "$OLDPWD/scripts/check_saved_model.py" . ei_alpha_tutorial "$REST" 2>/dev/null | tail -n 1)
  WANT=$("$PYTHON" - "$FIXTURES/ei_alpha_poisson_seed1234.json" "$K" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); k = int(sys.argv[2])
spk = [(t + 1 - k, i) for t, s in enumerate(d["trace"]["spike_indices"]) for i in s if t + 1 > k]
print(len(spk), spk[:8])
PY
)
  echo "after $K steps here, ngclearn ran $REST more: $GOT"
  echo "  expected (fixture):                  $WANT"
  case "$GOT" in "$WANT"*) echo "  same spikes";; *) echo "  MISMATCH"; status=1;; esac
done
exit $status
