#!/usr/bin/env bash
# A guard as people write them: no timeout in the settings, takes SECONDS to decide
# (a policy lookup, a linter), blocks with exit 2 any command that mentions WORD.
# Records each call like record_payload.sh. usage: slow_guard.sh LOG SECONDS WORD
payload=$(cat)
printf 'slow-guard\t%s\n' "${payload//$'\n'/ }" >>"$1"
sleep "$2"
if [[ $payload == *"$3"* ]]; then
  echo "slow-guard: '$3' is not allowed" >&2
  exit 2
fi
exit 0
