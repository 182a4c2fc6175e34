#!/usr/bin/env bash
# Runs every check and test of the project: formatting, vet (native and
# wasm), the TypeScript type check, and go test -race ./... (unit, fuzz seeds,
# browser tests and the end-to-end tests against real servers). Run as root
# on a fresh Debian 12 machine, it first installs the packages the tests use
# (scripts/install-deps.sh); otherwise tests whose tools are missing skip
# and say so, unless SPICEWEB_E2E=require (CI) makes that a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -eq 0 ]]; then
	bash scripts/install-deps.sh
fi

echo "--- gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './webui/node_modules/*'))
if [[ -n $unformatted ]]; then
	echo "not gofmt-formatted:" $unformatted
	exit 1
fi

echo "--- go vet (native, and GOOS=js GOARCH=wasm)"
go vet ./...
GOOS=js GOARCH=wasm go vet ./...

echo "--- TypeScript type check"
if command -v npm >/dev/null; then
	(cd webui && npm ci --no-audit --no-fund --loglevel=error && node_modules/.bin/tsc --noEmit -p .)
else
	echo "npm not found: skipping (the Go tests still bundle and run the TypeScript)"
fi

echo "--- go test -race"
go test -race -timeout 30m ./...
