#!/bin/bash
# `make run`: riposte with the quickstart configuration, beside a local
# stand-in for the API its rule calls, so a finding can be sent by hand.
set -euo pipefail
build_dir=${1:-build}
config=${2:-examples/quickstart.yaml}
sink_port=${SINK_PORT:-18081}
root=$(cd "$(dirname "$0")/.." && pwd)

python3 "$root/tests/fakes/sink.py" --port "$sink_port" >"$build_dir/sink.log" 2>&1 &
sink_pid=$!
trap 'kill $sink_pid 2>/dev/null || true' EXIT

cat <<MSG
riposte sandbox: the stand-in API listens on 127.0.0.1:$sink_port (log: $build_dir/sink.log).
In another terminal, send a real GuardDuty finding as SNS delivers it:

  scripts/send-finding.sh ../shared/corpus/guardduty/eventbridge/Policy_S3_BucketAnonymousAccessGranted.json

and see what the rule sent:

  curl -s http://127.0.0.1:$sink_port/__requests

Stop with Ctrl-C.
MSG
"$root/$build_dir/riposte" serve --config "$config"
