import boto3
from botocore.config import Config

_RETRIES = Config(retries={"max_attempts": 5, "mode": "adaptive"})


def client_for(service_name: str, region: str = "us-west-2"):
    return boto3.session.Session().client(service_name, region_name=region, config=_RETRIES)
