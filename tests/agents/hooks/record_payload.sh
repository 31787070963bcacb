#!/usr/bin/env bash
# Appends "NAME<TAB>payload" to LOG, one line per call, and allows (exit 0, no output).
# usage: record_payload.sh LOG NAME
payload=$(cat)
printf '%s\t%s\n' "$2" "${payload//$'\n'/ }" >>"$1"
