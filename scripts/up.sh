#!/usr/bin/env bash
# Installs the platform with a local state backend: ./scripts/up.sh <stack> [extra pulumi up flags]
# Uses the current kubeconfig context unless the stack config says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

stack="${1:?usage: scripts/up.sh <k8s|eks> [pulumi up flags]}"
shift
if ! command -v pulumi >/dev/null 2>&1; then
    echo "The Pulumi CLI is not on PATH; install it first (https://www.pulumi.com/docs/install/)." >&2
    exit 1
fi
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$HOME/.pulumi-dynamo}"
mkdir -p "${PULUMI_BACKEND_URL#file://}"
[ -d node_modules ] || npm ci --no-audit --no-fund
pulumi stack select "$stack" 2>/dev/null || pulumi stack init "$stack"
pulumi up --stack "$stack" "$@"
