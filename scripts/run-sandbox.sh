#!/bin/bash
# `make run`: riposte with the quickstart configuration, beside local
# stand-ins for AWS and Jira Cloud, seeded with the bucket and the role that
# the corpus's GuardDuty S3 findings name.
set -euo pipefail
build_dir=${1:-build}
config=${2:-examples/quickstart.yaml}
root=$(cd "$(dirname "$0")/.." && pwd)
aws_port=18082
jira_port=18083

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

start_fake() {
    local script=$1 port=$2 log=$3
    /usr/bin/python3 "$root/tests/fakes/$script" --port "$port" --verbose >"$log.out" 2>"$log" &
    pids+=($!)
    for _ in $(seq 50); do
        grep -q "listening on" "$log.out" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$script did not start on port $port: see $log" >&2
    exit 1
}

control() {
    curl -sSf -X POST "http://127.0.0.1:$1$2" -H 'Content-Type: application/json' -d "$3" >/dev/null
}

start_fake fake_aws.py "$aws_port" "$build_dir/fake_aws.log"
start_fake fake_jira.py "$jira_port" "$build_dir/fake_jira.log"
# The corpus's sample findings come from account 973743533182, us-east-2.
control "$aws_port" /__buckets '{"name": "bucketName", "account": "973743533182", "region": "us-east-2"}'
control "$aws_port" /__roles \
    '{"arn": "arn:aws:iam::973743533182:role/riposte-responder", "trust": ["111111111111"]}'

cat <<MSG
riposte sandbox: AWS stand-in on 127.0.0.1:$aws_port, Jira stand-in on 127.0.0.1:$jira_port
(their logs: $build_dir/fake_aws.log, $build_dir/fake_jira.log).

In another terminal, send a real GuardDuty finding as SNS delivers it:

  scripts/send-finding.sh ../shared/corpus/guardduty/eventbridge/Policy_S3_BucketAnonymousAccessGranted.json

then see the locked bucket and the ticket:

  curl -s http://127.0.0.1:$aws_port/__state | python3 -m json.tool | grep -A8 '"bucketName"'
  curl -s http://127.0.0.1:$jira_port/__state | python3 -m json.tool | less

Stop with Ctrl-C.
MSG
"$root/$build_dir/riposte" serve --config "$config"
