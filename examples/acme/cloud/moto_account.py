"""The example organisation's AWS account for `aims demo`, simulated with moto (a faithful local
mock of AWS; nothing leaves the machine). It holds the SageMaker endpoint that the loan-scoring
repository's Terraform declares, so the demo shows an IaC ↔ cloud link.

This is example data, not product code: the product talks to real AWS.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-1"
ENDPOINT = "acme-loan-scorer"
FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true"}


@contextmanager
def acme_account() -> Iterator[str]:
    """Inside: a moto AWS account with the loan scorer deployed. Yields the region to scan."""
    from moto import mock_aws

    saved = {k: os.environ.get(k) for k in (*FAKE_ENV, "AWS_PROFILE")}
    os.environ.update(FAKE_ENV)
    os.environ.pop("AWS_PROFILE", None)
    try:
        with mock_aws():
            import boto3

            sagemaker = boto3.client("sagemaker", region_name=REGION)
            role = f"arn:aws:iam::{ACCOUNT}:role/acme-loan-scorer-task"
            sagemaker.create_model(ModelName="acme-loan-scorer-model", ExecutionRoleArn=role,
                                   PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/scorer:1"})
            sagemaker.create_endpoint_config(EndpointConfigName="acme-loan-scorer-config", ProductionVariants=[
                {"VariantName": "main", "ModelName": "acme-loan-scorer-model", "InitialInstanceCount": 1,
                 "InstanceType": "ml.m5.large"}])
            sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="acme-loan-scorer-config")
            yield REGION
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
