"""AWS discovery benchmark (issue 4): 50 accounts x 17 regions, simulated, offline.

    .venv/bin/python -m benchmarks.bench_aws [--accounts 50] [--regions 17] [--workers 32]

Every API call goes through real botocore clients (parameter validation, the read-only
guard, pagination), but a `before-call` stub answers it after sleeping a latency drawn from
30-80 ms, the way a regional AWS endpoint answers list calls. The stub counts calls and
in-flight calls, so the report shows whether the connector keeps its concurrency bound busy
(saturates) or runs serially. Each (account, region) holds a small inventory: a SageMaker
endpoint (so the endpoint-config detail calls run), a Bedrock agent (so child listings
run), two pages of SageMaker models, and CloudTrail Converse events.
Writes benchmarks/results/aws.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "aws.json"
CALLER = "100000000000"
REGIONS_17 = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
              "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
              "ap-southeast-1", "ap-southeast-2", "sa-east-1", "ap-northeast-3"]


class Meter:
    """Counts calls and integrates in-flight calls over time (for the mean)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.area = 0.0
        self.last = time.perf_counter()
        self.first: float | None = None
        self.latency = 0.0

    def _tick(self, now: float) -> None:
        self.area += self.in_flight * (now - self.last)
        self.last = now

    def enter(self, delay: float) -> None:
        with self.lock:
            now = time.perf_counter()
            self._tick(now)
            self.first = self.first if self.first is not None else now
            self.calls += 1
            self.in_flight += 1
            self.latency += delay
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self._tick(time.perf_counter())
            self.in_flight -= 1


def _response(service: str, operation: str, account: str, region: str, params: dict[str, Any],
              accounts: list[str]) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    if operation == "GetCallerIdentity":
        return {"Account": CALLER, "Arn": f"arn:aws:iam::{CALLER}:user/auditor", "UserId": "AIDA"}
    if operation == "ListAccounts":
        start = int(params.get("NextToken") or 0)
        page = {"Accounts": [{"Id": a, "Name": f"acct-{a[-3:]}", "Status": "ACTIVE"} for a in accounts[start:start + 20]]}
        if start + 20 < len(accounts):
            page["NextToken"] = str(start + 20)
        return page
    if operation == "AssumeRole":
        return {"Credentials": {"AccessKeyId": "ASIABENCHMARK0000000", "SecretAccessKey": "x" * 40,
                                "SessionToken": "token", "Expiration": now + timedelta(hours=1)}}
    arn = f"arn:aws:sagemaker:{region}:{account}"
    if operation == "ListEndpoints":
        return {"Endpoints": [{"EndpointName": "scoring", "EndpointArn": f"{arn}:endpoint/scoring",
                               "CreationTime": now, "LastModifiedTime": now, "EndpointStatus": "InService"}]}
    if operation == "DescribeEndpoint":
        return {"EndpointName": "scoring", "EndpointArn": f"{arn}:endpoint/scoring", "EndpointConfigName": "scoring-cfg",
                "EndpointStatus": "InService", "CreationTime": now, "LastModifiedTime": now}
    if operation == "DescribeEndpointConfig":
        return {"EndpointConfigName": "scoring-cfg", "EndpointConfigArn": f"{arn}:endpoint-config/scoring-cfg",
                "ProductionVariants": [{"VariantName": "v1", "ModelName": "scoring-model"}], "CreationTime": now}
    if operation == "ListModels":
        page_two = params.get("NextToken") == "2"
        name = "scoring-model" if not page_two else "old-model"
        page = {"Models": [{"ModelName": name, "ModelArn": f"{arn}:model/{name}", "CreationTime": now}]}
        if not page_two:
            page["NextToken"] = "2"
        return page
    if operation == "ListAgents":
        return {"agentSummaries": [{"agentId": "AGENT00001", "agentName": "helper", "agentStatus": "PREPARED",
                                    "updatedAt": now}]}
    if operation == "GetAgent":
        return {"agent": {"agentId": "AGENT00001", "agentName": "helper", "foundationModel": "anthropic.claude-3-haiku",
                          "agentArn": f"arn:aws:bedrock:{region}:{account}:agent/AGENT00001"}}
    if operation == "LookupEvents" and params["LookupAttributes"][0]["AttributeValue"] == "bedrock.amazonaws.com":
        record = {"eventSource": "bedrock.amazonaws.com", "eventName": "Converse", "awsRegion": region,
                  "recipientAccountId": account, "eventTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{account}:user/dev"},
                  "requestParameters": {"modelId": "anthropic.claude-3-haiku"}, "eventCategory": "Management"}
        return {"Events": [{"EventName": "Converse", "CloudTrailEvent": json.dumps(record)}] * 2}
    if operation == "GetModelInvocationLoggingConfiguration":
        return {}
    return {}


def make_hook(meter: Meter, accounts: list[str], low: float, high: float, seed: int):  # type: ignore[no-untyped-def]
    from botocore.awsrequest import AWSResponse

    def hook(client: Any, account: str, region: str) -> None:
        service = client.meta.service_model.service_name
        service_id = client.meta.service_model.service_id.hyphenize()
        rng = random.Random(f"{seed}-{account}-{region}-{service}")

        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["bench_params"] = dict(params)

        def answer(model: Any, context: dict[str, Any], **_: Any) -> Any:
            delay = rng.uniform(low, high)
            meter.enter(delay)
            try:
                time.sleep(delay)
            finally:
                meter.leave()
            body = _response(service, model.name, account, region, context.get("bench_params", {}), accounts)
            return AWSResponse("https://bench.invalid", 200, {}, None), body

        client.meta.events.register(f"before-parameter-build.{service_id}", remember)
        client.meta.events.register(f"before-call.{service_id}", answer)

    return hook


def run(accounts: int, regions: int, workers: int, low_ms: float, high_ms: float) -> dict[str, Any]:
    import boto3

    from connectors.aws.connector import AWSConnector

    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "AWS_EC2_METADATA_DISABLED": "true"}.items():
        os.environ.setdefault(name, value)
    member_ids = [CALLER] + [f"{200000000000 + i}" for i in range(1, accounts)]
    meter = Meter()
    session = boto3.session.Session(region_name="us-east-1")
    connector = AWSConnector(session, regions=REGIONS_17[:regions], org_role="AimsAudit", days=7,
                             max_workers=workers, client_hook=make_hook(meter, member_ids, low_ms / 1000,
                                                                        high_ms / 1000, seed=42))
    client_cpu = [0.0, 0]
    create = connector.factory.client

    def timed_client(*args: Any, **kwargs: Any) -> Any:  # CPU spent building botocore clients
        begun = time.thread_time()
        try:
            return create(*args, **kwargs)
        finally:
            with meter.lock:
                client_cpu[0] += time.thread_time() - begun
                client_cpu[1] += 1

    connector.factory.client = timed_client  # type: ignore[method-assign]
    started = time.perf_counter()
    cpu_started = time.process_time()
    result = connector.scan()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    busy = wall - ((meter.first or started) - started)
    latency_floor = meter.latency / workers
    return {
        "accounts": accounts, "regions": regions, "max_workers": workers,
        "latency_ms": [low_ms, high_ms],
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "api_calls": meter.calls,
        "calls_per_second": round(meter.calls / wall, 1),
        "in_flight_max": meter.max_in_flight,
        # Time a call holds a worker (its latency plus any wait for the GIL to resume it).
        "in_flight_mean": round(meter.area / busy, 2) if busy > 0 else 0.0,
        "saturation": round(meter.area / busy / workers, 3) if busy > 0 else 0.0,
        # Only the simulated network latency, overlapped: how much faster than serial it ran.
        "effective_concurrency": round(meter.latency / busy, 2) if busy > 0 else 0.0,
        "clients_created": client_cpu[1],
        "client_creation_cpu_seconds": round(client_cpu[0], 2),
        "serial_latency_seconds": round(meter.latency, 1),
        "latency_bound_floor_seconds": round(latency_floor, 2),
        "coverage_rows": len(result.coverage),
        "coverage_not_ok": sum(1 for r in result.coverage if r.status.value not in ("ok", "unavailable")),
        "unavailable_rows": sum(1 for r in result.coverage if r.status.value == "unavailable"),
        "observations": len(result.observations),
        "controls": len(result.controls),
        "counts": result.counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--regions", type=int, default=17, choices=range(1, 18), metavar="1..17")
    parser.add_argument("--workers", type=int, nargs="+", default=[32])
    parser.add_argument("--min-ms", type=float, default=30.0)
    parser.add_argument("--max-ms", type=float, default=80.0)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    runs = []
    for workers in args.workers:
        report = run(args.accounts, args.regions, workers, args.min_ms, args.max_ms)
        runs.append(report)
        print(json.dumps({k: v for k, v in report.items() if k != "counts"}))
    payload = {"benchmark": "aws-discovery", "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
               "runs": runs}
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
