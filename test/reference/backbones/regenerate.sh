#!/usr/bin/env bash
# Regenerates test/fixtures/golden/backbones/*.json: writes every case's
# inputs with make-inputs.ts, then runs the PyTorch reference of its
# backbone kind. Needs /usr/bin/python3 with Debian's python3-torch.
# Usage: test/reference/backbones/regenerate.sh [CASE...]
set -euo pipefail
cd "$(dirname "$0")/../../.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npx tsx test/reference/backbones/make-inputs.ts "$work" "$@"
export OMP_WAIT_POLICY=PASSIVE
for input in "$work"/*.json; do
  name="$(basename "$input" .json)"
  kind="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["config"]["backbone"]["kind"])' "$input")"
  /usr/bin/python3 "test/reference/backbones/${kind}.py" "$input" \
    "test/fixtures/golden/backbones/${name}.json"
done
