#!/bin/sh
echo "coverage reports are not available offline" >&2
exit 0
