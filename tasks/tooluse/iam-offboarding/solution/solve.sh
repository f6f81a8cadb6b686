#!/usr/bin/env bash
# Reference offboarding: leavers past their last day, in file order, four steps each.
set -euo pipefail
iam() { echo "$2" | python3 /opt/iam/iam.py "$1"; }

cat /opt/iam/POLICY.md /work/hr/leavers.csv >/dev/null
iam get_user '{"login": "jdoe"}'
iam list_resources '{"owner": "jdoe"}'
iam list_api_keys '{"login": "jdoe"}'
iam get_user '{"login": "mkhan"}'
iam transfer_resource '{"resource_id": "R-1", "new_owner": "sofia"}'
iam transfer_resource '{"resource_id": "R-2", "new_owner": "sofia"}'
iam revoke_api_key '{"key_id": "K-1"}'
iam revoke_api_key '{"key_id": "K-6"}'
iam remove_from_group '{"login": "jdoe", "group": "all-staff"}'
iam remove_from_group '{"login": "jdoe", "group": "deploy"}'
iam remove_from_group '{"login": "jdoe", "group": "engineering"}'
iam disable_user '{"login": "jdoe"}'
iam transfer_resource '{"resource_id": "R-3", "new_owner": "sofia"}'
iam revoke_api_key '{"key_id": "K-3"}'
iam remove_from_group '{"login": "mkhan", "group": "admins"}'
iam remove_from_group '{"login": "mkhan", "group": "all-staff"}'
iam remove_from_group '{"login": "mkhan", "group": "engineering"}'
iam disable_user '{"login": "mkhan"}'
