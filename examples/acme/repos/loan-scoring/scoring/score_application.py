"""Score one loan application against the deployed model."""

import json

import boto3
from sklearn.preprocessing import StandardScaler

ENDPOINT_NAME = "acme-loan-scorer"
runtime = boto3.client("sagemaker-runtime", region_name="eu-west-1")


def score(application: dict) -> float:
    features = StandardScaler().fit_transform([[application["income"], application["loan_amount"]]])
    response = runtime.invoke_endpoint(EndpointName=ENDPOINT_NAME, ContentType="application/json",
                                       Body=json.dumps(features.tolist()))
    return float(json.loads(response["Body"].read())["credit_score"])


def decide(application: dict) -> str:
    return "declined" if score(application) < 0.35 else "refer-to-credit-officer"
