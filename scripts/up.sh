#!/usr/bin/env bash
# The first run: ./scripts/up.sh <stack> [pulumi up flags]
#
# Installs the dependencies, creates the stack (or selects it) in the project's backend, and runs
# `pulumi up` against the current kubeconfig context. The backend is Pulumi.yaml's `backend.url`, a
# local folder, unless PULUMI_BACKEND_URL names another; every `pulumi` command in this folder uses
# it, so what a refusal or the docs tell you to run (`pulumi config set ...`, `pulumi up`) works in
# your shell as it is, with no login.
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${1:?usage: scripts/up.sh <k8s|eks> [pulumi up flags]}"
shift
if ! command -v pulumi >/dev/null 2>&1; then
    echo "The Pulumi CLI is not on PATH; install it first (https://www.pulumi.com/docs/install/)." >&2
    exit 1
fi
[ -d node_modules ] || npm ci --no-audit --no-fund

# A local backend's folder must exist before Pulumi opens it.
backend=${PULUMI_BACKEND_URL:-$(sed -n 's/^  url: //p' Pulumi.yaml)}
if [[ $backend == file://* ]]; then
    folder=${backend#file://}
    folder=${folder%%\?*}
    mkdir -p "${folder/#\~/$HOME}"
fi
pulumi stack select "$stack" 2>/dev/null || pulumi stack init "$stack"
pulumi up --stack "$stack" "$@"
