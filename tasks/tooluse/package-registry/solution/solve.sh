#!/usr/bin/env bash
# Reference response: yank affected versions, publish the verified fix, deprecate where none is safe.
set -euo pipefail
reg() { echo "$2" | python3 /opt/registry/registry.py "$1"; }

cat /opt/registry/POLICY.md /work/advisories/*.md >/dev/null
sha256sum /work/releases/*.tar.gz
reg get_package '{"package": "fastjsonx"}'
reg get_package '{"package": "yamlite"}'
reg yank_version '{"package": "fastjsonx", "version": "2.1.0", "reason": "security"}'
reg yank_version '{"package": "fastjsonx", "version": "2.2.0", "reason": "security"}'
reg yank_version '{"package": "fastjsonx", "version": "2.3.0", "reason": "security"}'
reg yank_version '{"package": "fastjsonx", "version": "2.3.3", "reason": "security"}'
reg publish_version '{"package": "fastjsonx", "version": "2.3.4", "sha256": "3401d4940c6cfd3eed3400ec95549ffbba63bb74b7af5d9c202e978c2fcccd96"}'
reg yank_version '{"package": "yamlite", "version": "0.8.0", "reason": "security"}'
reg yank_version '{"package": "yamlite", "version": "0.9.0", "reason": "security"}'
reg yank_version '{"package": "yamlite", "version": "0.9.1", "reason": "security"}'
reg deprecate_package '{"package": "yamlite", "message": "HBSA-2024-07: no safe release available"}'
