#!/bin/sh
# Never finishes and never reads stdin: only a deadline ends it.
while :; do sleep 3600; done
