"""Every AWS operation the connector can call, and the least-privilege IAM policy for them.

`python -m connectors.aws.policy > docs/aws-readonly-policy.json` regenerates the shipped
policy; a test checks the file grants exactly these actions, no more and no fewer.
"""

from __future__ import annotations

import json
from typing import Any

from connectors.aws import catalogue
from connectors.aws.guard import NO_PERMISSION_NEEDED, iam_action

#: Calls outside the inventory catalogue, by purpose.
ACCOUNT_OPERATIONS = (("sts", "GetCallerIdentity"), ("organizations", "ListAccounts"), ("ec2", "DescribeRegions"))
ROLE_OPERATIONS = (("sts", "AssumeRole"),)
USAGE_OPERATIONS = (("cloudtrail", "LookupEvents"),)
TRAIL_LOG_OPERATIONS = (("s3", "ListObjectsV2"), ("s3", "GetObject"))


def inventory_operations() -> list[tuple[str, str]]:
    ops = [(spec.service, op) for spec in catalogue.INVENTORY for op in spec.operations()]
    ops += [catalogue.INVOCATION_LOGGING, catalogue.ENDPOINT_CONFIG_DETAIL]
    return list(dict.fromkeys(ops))


def required_operations() -> list[tuple[str, str]]:
    return list(dict.fromkeys(
        inventory_operations() + list(ACCOUNT_OPERATIONS + ROLE_OPERATIONS + USAGE_OPERATIONS + TRAIL_LOG_OPERATIONS)))


def signing_name(service: str) -> str:
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    return str(model.signing_name or model.endpoint_prefix)


def actions_for(operations: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> list[str]:
    names = {iam_action(s, op, signing_name(s)) for s, op in operations if (s, op) not in NO_PERMISSION_NEEDED}
    return sorted(names)


def policy_document() -> dict[str, Any]:
    read = [op for op in required_operations()
            if op not in ROLE_OPERATIONS and op not in TRAIL_LOG_OPERATIONS]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadAIInventoryControlsAndUsage", "Effect": "Allow", "Action": actions_for(read),
             "Resource": "*"},
            {"Sid": "AssumeTheAuditRoleInMemberAccountsOnlyWithOrgRole", "Effect": "Allow",
             "Action": actions_for(ROLE_OPERATIONS), "Resource": "arn:aws:iam::*:role/*"},
            {"Sid": "ReadCloudTrailLogFilesOnlyWithCloudtrailS3", "Effect": "Allow",
             "Action": actions_for(TRAIL_LOG_OPERATIONS), "Resource": "*"},
        ],
    }


if __name__ == "__main__":
    print(json.dumps(policy_document(), indent=2))
