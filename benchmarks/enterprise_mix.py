"""An enterprise proxy mix, generated: the traffic shape the log benchmarks run on.

Shares of requests (what a corporate proxy sees on a working day): 12% AWS, 10% googleapis.com,
21% Microsoft (365, Azure, Windows, Visual Studio), 8% google.com, 14% CDNs, 22% SaaS (Slack,
Zoom, Salesforce, Atlassian, GitHub, WeChat, Snapchat...), 12.5% other web, and 0.5% AI (hosts
drawn from the catalogue's own `match` examples; each person keeps to a few tools). The hosts
are built from templates (regions, tenants, buckets) so the mix has tens of thousands of distinct
names; `top_hosts` lists the most frequent non-AI ones (the prefilter test's list comes from it).

    python -m benchmarks.enterprise_mix squid|zscaler|cloudtrail LINES OUT [--seed N]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

AWS_REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1"]
AWS_SERVICES = ["s3", "ec2", "sts", "dynamodb", "logs", "monitoring", "sqs", "sns", "lambda", "ssm", "kms",
                "secretsmanager", "cloudformation", "elasticloadbalancing", "ecs", "events", "athena", "glue",
                "kinesis", "firehose", "route53resolver", "autoscaling", "elasticfilesystem", "ssmmessages",
                "ec2messages", "rds", "ecr", "cognito-idp", "states", "xray"]
TENANTS = ["contoso", "acme", "fabrikam", "northwind", "globex", "initech", "umbrella", "hooli", "stark", "wayne"]
WORDS = ["assets", "static", "media", "img", "cdn", "files", "data", "api", "app", "portal", "docs", "login",
         "edge", "content", "video", "audio", "studio", "chat", "translate", "insights", "status", "events"]

#: (category, share of requests, host templates; {r} region, {t} tenant, {w} word, {n} number)
CATEGORIES: list[tuple[str, float, list[str]]] = [
    ("aws", 0.12, [
        *[f"{s}.{{r}}.amazonaws.com" for s in AWS_SERVICES], "s3.amazonaws.com", "sts.amazonaws.com",
        "{t}-{w}-{n}.s3.{r}.amazonaws.com", "{t}-{w}.s3.amazonaws.com", "api.ecr.{r}.amazonaws.com",
        "{n}abc{n}.execute-api.{r}.amazonaws.com", "{t}.auth.{r}.amazoncognito.com", "console.aws.amazon.com",
        "signin.aws.amazon.com", "{r}.console.aws.amazon.com", "aws.amazon.com", "d{n}x{n}.cloudfront.net",
        "iam.amazonaws.com", "organizations.us-east-1.amazonaws.com", "sso.{r}.amazonaws.com",
        "portal.sso.{r}.amazonaws.com", "oidc.{r}.amazonaws.com", "data-{w}.{r}.amazonaws.com",
    ]),
    ("googleapis", 0.10, [
        "www.googleapis.com", "storage.googleapis.com", "oauth2.googleapis.com", "fonts.googleapis.com",
        "ajax.googleapis.com", "sheets.googleapis.com", "drive.googleapis.com", "gmail.googleapis.com",
        "bigquery.googleapis.com", "pubsub.googleapis.com", "firebaseinstallations.googleapis.com",
        "translate.googleapis.com", "content-autofill.googleapis.com", "update.googleapis.com",
        "safebrowsing.googleapis.com", "people-pa.googleapis.com", "chat-pa.googleapis.com",
        "{r}-run.googleapis.com", "{t}-{w}.firebaseio.com", "logging.googleapis.com", "compute.googleapis.com",
        "cloudresourcemanager.googleapis.com", "speech.googleapis.com", "youtube.googleapis.com",
        "studio-{w}.googleapis.com", "firestore.googleapis.com", "identitytoolkit.googleapis.com",
    ]),
    ("microsoft", 0.21, [
        "login.microsoftonline.com", "outlook.office365.com", "outlook.office.com", "graph.microsoft.com",
        "teams.microsoft.com", "{t}.sharepoint.com", "{t}-my.sharepoint.com", "onedrive.live.com",
        "settings-win.data.microsoft.com", "v10.events.data.microsoft.com", "{t}{w}.blob.core.windows.net",
        "management.azure.com", "portal.azure.com", "login.live.com", "www.bing.com", "edge.microsoft.com",
        "{t}.visualstudio.com", "marketplace.visualstudio.com", "dev.azure.com", "update.code.visualstudio.com",
        "vscode.download.prss.microsoft.com", "go.microsoft.com", "aka.ms", "officeclient.microsoft.com",
        "substrate.office.com", "nexus.officeapps.live.com", "{t}-{w}.azurewebsites.net", "ctldl.windowsupdate.com",
        "{n}.dl.delivery.mp.microsoft.com", "teams.live.com", "statics.teams.cdn.office.net",
        "res.cdn.office.net", "login.windows.net", "{t}.crm.dynamics.com", "{t}.powerbi.com", "app.powerbi.com",
        "{t}.azure-api.net", "{t}.database.windows.net", "{t}.vault.azure.net", "{w}.clarity.ms",
        "visualstudio.microsoft.com", "learn.microsoft.com", "www.microsoft.com", "{t}.webhook.office.com",
        "studio.azureml-{w}.example", "{t}.service.signalr.net", "wns.windows.com", "smartscreen.microsoft.com",
    ]),
    ("google", 0.08, [
        "www.google.com", "mail.google.com", "docs.google.com", "drive.google.com", "accounts.google.com",
        "meet.google.com", "calendar.google.com", "clients4.google.com", "play.google.com", "chat.google.com",
        "translate.google.com", "studio.youtube.com", "www.youtube.com", "clients6.google.com",
        "apis.google.com", "myaccount.google.com", "workspace.google.com", "sites.google.com",
        "lh3.googleusercontent.com", "{w}.google.com", "ssl.gstatic.com", "www.gstatic.com",
    ]),
    ("cdn", 0.14, [
        "d{n}.cloudfront.net", "{t}.akamaihd.net", "{w}-{t}.akamaized.net", "e{n}.a.akamaiedge.net",
        "{t}.edgekey.net", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "{t}.global.ssl.fastly.net",
        "{t}.map.fastly.net", "static.xx.fbcdn.net", "scontent.xx.fbcdn.net", "unpkg.com", "{t}.azureedge.net",
        "fonts.gstatic.com", "i.ytimg.com", "rr{n}---sn-{w}.googlevideo.com", "{w}.cdn.cloudflare.net",
        "audio-ak-spotify-com.akamaized.net", "{t}.b-cdn.net", "cdn.shopify.com", "{w}.imgix.net",
    ]),
    ("saas", 0.22, [
        "slack.com", "app.slack.com", "wss-primary.slack.com", "edgeapi.slack.com", "files.slack.com",
        "zoom.us", "us0{n}web.zoom.us", "{t}.zoom.us", "{t}.my.salesforce.com", "{t}.lightning.force.com",
        "login.salesforce.com", "{t}.atlassian.net", "api.atlassian.com", "github.com", "api.github.com",
        "raw.githubusercontent.com", "objects.githubusercontent.com", "avatars.githubusercontent.com",
        "github.githubassets.com", "{t}.service-now.com", "{t}.myworkday.com", "{t}.okta.com", "app.box.com",
        "www.dropbox.com", "{t}.docusign.net", "{t}.zendesk.com", "api.hubspot.com", "www.notion.so",
        "www.figma.com", "miro.com", "www.linkedin.com", "web.wechat.com", "www.wechat.com", "wechat.com",
        "www.snapchat.com", "snapchat.com", "gcp.api.snapchat.com", "wetransfer.com", "{t}.sentry.io",
        "app.datadoghq.com", "api.segment.io", "widget.intercom.io", "{t}.pagerduty.com", "{t}.webex.com",
        "{t}.my.site.com", "api.mixpanel.com", "{t}.freshdesk.com", "app.asana.com", "trello.com",
        "{t}.smartsheet.com", "{t}.tableau.com", "chat.{t}.example.com", "{t}.studio.design", "hfcorp.com",
        "www.hf.com", "thf.co.uk", "descriptive-stats.example.org", "translated.com", "{t}.chat.common.example",
    ]),
    ("web", 0.125, [
        "www.bbc.co.uk", "www.cnn.com", "www.nytimes.com", "en.wikipedia.org", "www.reddit.com",
        "stackoverflow.com", "www.amazon.com", "www.apple.com", "gateway.icloud.com", "www.facebook.com",
        "www.instagram.com", "x.com", "twitter.com", "t.co", "pbs.twimg.com", "stats.g.doubleclick.net",
        "www.{w}{n}.example.com", "news.{t}.example.org", "{w}.weather.com", "open.spotify.com",
        "www.netflix.com", "www.ebay.com", "{t}.medium.com", "www.booking.com", "maps.apple.com",
        "ocsp.digicert.com", "ocsp.pki.goog", "www.udemy.com", "audioboom.com", "www.chess.com",
    ]),
]
AI_SHARE = 0.005


def _fill(template: str, rng: random.Random) -> str:
    return template.format(r=rng.choice(AWS_REGIONS), t=rng.choice(TENANTS), w=rng.choice(WORDS),
                           n=rng.randint(1, 9))


class Mix:
    """Draws (host, AI service id or None) pairs in the enterprise shares, reproducibly."""

    def __init__(self, seed: int = 7, users: int = 5000) -> None:
        from discovery.domains import ServiceCatalogue

        self.rng = random.Random(seed)
        catalogue = ServiceCatalogue.load()
        self.ai = [(host.lower().rstrip("."), s.id) for s in catalogue for host in s.match
                   if ":" not in host and host.islower()]
        self.users = [f"user{i:05d}" for i in range(users)]
        self.favourites = {u: self.rng.sample(self.ai, self.rng.randint(1, 3)) for u in self.users}
        self._weights = [share for _, share, _ in CATEGORIES]
        self._templates = [templates for _, _, templates in CATEGORIES]

    def draw(self) -> tuple[str, str, str | None]:
        """(user, host, AI service id or None)."""
        rng = self.rng
        user = self.users[min(int(rng.paretovariate(1.2)) - 1, len(self.users) - 1)] if rng.random() < 0.3 \
            else rng.choice(self.users)
        if rng.random() < AI_SHARE:
            host, service = rng.choice(self.favourites[user]) if rng.random() < 0.9 else rng.choice(self.ai)
            return user, host, service
        templates = rng.choices(self._templates, self._weights)[0]
        # A few hosts per category carry most of its traffic (Zipf-like), the templates the long tail.
        index = min(int(rng.expovariate(3 / len(templates))), len(templates) - 1)
        return user, _fill(templates[index], rng), None


def top_hosts(count: int = 1000, seed: int = 7, draws: int = 400_000) -> list[str]:
    mix = Mix(seed)
    seen: Counter[str] = Counter()
    for _ in range(draws):
        _user, host, service = mix.draw()
        if service is None:
            seen[host] += 1
    return [host for host, _ in seen.most_common(count)]


def _squid(mix: Mix, i: int, t: float) -> tuple[str, str, str | None]:
    user, host, service = mix.draw()
    rng = mix.rng
    request = f"CONNECT {host}:443" if i % 3 else f"GET https://{host}/{rng.choice(WORDS)}/{i % 9973}?v={i % 97}"
    result = "TCP_TUNNEL/200" if i % 3 else "TCP_MISS/200"
    line = (f"{t:.3f} {rng.randint(1, 90000):6d} 10.{i % 200}.{i % 7}.{i % 250} {result} {rng.randint(200, 90000)} "
            f"{request} {user} HIER_DIRECT/203.0.113.{i % 250} text/html\n")
    return line, user, service


def _zscaler(mix: Mix, i: int, t: float) -> tuple[str, str, str | None]:
    user, host, service = mix.draw()
    rng = mix.rng
    login = f"{user}@acme.example"
    app = "General Browsing" if service is None else rng.choice(["General Browsing", "Generative AI"])
    stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(t))
    record = {"sourcetype": "zscalernss-web", "event": {
        "time": stamp, "login": login, "proto": "HTTPS", "eurl": f"{host}/{rng.choice(WORDS)}/{i % 9973}",
        "action": "Allowed", "appname": app, "appclass": "General Browsing", "reqsize": str(rng.randint(200, 4000)),
        "respsize": str(rng.randint(200, 90000)), "urlclass": "Business Use", "urlsupercat": "Information Technology",
        "urlcat": rng.choice(["Web Search", "Professional Services", "Streaming Media", "Corporate Marketing"]),
        "riskscore": "0", "dlpeng": "None", "location": "HQ", "dept": "Eng", "cip": f"10.1.{i % 200}.{i % 250}",
        "sip": f"198.51.100.{i % 250}", "reqmethod": rng.choice(["GET", "POST", "CONNECT"]), "respcode": "200",
        "ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
        "contenttype": "text/html", "deviceowner": user, "devicehostname": f"LT-{i % 4999:04d}"}}
    return json.dumps(record, separators=(",", ":")) + "\n", login, service


_CLOUDTRAIL_EVENTS = [("s3.amazonaws.com", "GetObject"), ("sts.amazonaws.com", "AssumeRole"),
                      ("ec2.amazonaws.com", "DescribeInstances"), ("kms.amazonaws.com", "Decrypt"),
                      ("logs.amazonaws.com", "PutLogEvents"), ("dynamodb.amazonaws.com", "GetItem"),
                      ("lambda.amazonaws.com", "Invoke"), ("iam.amazonaws.com", "GetRole"),
                      ("secretsmanager.amazonaws.com", "GetSecretValue"), ("ssm.amazonaws.com", "GetParameter"),
                      ("translate.amazonaws.com", "TranslateText"), ("sqs.amazonaws.com", "ReceiveMessage")]
_AI_EVENTS = [("bedrock.amazonaws.com", "InvokeModel", "aws-bedrock"), ("bedrock.amazonaws.com", "Converse", "aws-bedrock"),
              ("sagemaker.amazonaws.com", "InvokeEndpoint", "aws-sagemaker")]


def _cloudtrail(mix: Mix, i: int, t: float) -> tuple[str, str, str | None]:
    rng = mix.rng
    role = f"arn:aws:iam::123456789012:role/{rng.choice(TENANTS)}-{rng.choice(WORDS)}-{i % 40}"
    if rng.random() < AI_SHARE:
        source, name, service = rng.choice(_AI_EVENTS)
        params: dict[str, Any] = {"modelId": rng.choice(["anthropic.claude-3-5-sonnet-20240620-v1:0",
                                                          "amazon.titan-text-express-v1"])}
    else:
        (source, name), service = rng.choice(_CLOUDTRAIL_EVENTS), None
        params = {"bucketName": f"{rng.choice(TENANTS)}-{rng.choice(WORDS)}", "key": f"k/{i % 9973}"}
    region = rng.choice(AWS_REGIONS)
    event = {
        "eventVersion": "1.09", "userIdentity": {
            "type": "AssumedRole", "principalId": f"AROA{i % 977:06d}:session", "arn": f"{role}/session",
            "accountId": "123456789012", "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role,
                                                                                "accountId": "123456789012"}}},
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), "eventSource": source,
        "eventName": name, "awsRegion": region, "sourceIPAddress": f"10.2.{i % 200}.{i % 250}",
        "userAgent": "aws-sdk-java/2.25.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17", "requestParameters": params,
        "responseElements": None, "requestID": f"{i:08x}-0000-4000-8000-{i:012x}", "eventID": f"e{i:015x}",
        "readOnly": True, "eventType": "AwsApiCall", "managementEvent": service is None,
        "recipientAccountId": "123456789012", "tlsDetails": {"tlsVersion": "TLSv1.3",
                                                             "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"},
    }
    return json.dumps(event, separators=(",", ":")) + "\n", role, service


WRITERS = {"squid": _squid, "zscaler": _zscaler, "cloudtrail": _cloudtrail}


def generate(kind: str, lines: int, out: Path, seed: int = 7) -> dict[str, Any]:
    """Write `lines` lines of `kind`; return the truth (AI events per service|identity)."""
    mix = Mix(seed)
    write = WRITERS[kind]
    truth: Counter[str] = Counter()
    t = 1_764_000_000.0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        handle.writelines(_lines(write, mix, lines, t, truth))
    return {"kind": kind, "lines": lines, "bytes": out.stat().st_size, "ai_lines": sum(truth.values()),
            "pairs": dict(truth)}


def _lines(write: Any, mix: Mix, lines: int, t: float, truth: Counter[str]) -> Iterator[str]:
    for i in range(lines):
        t += 0.011
        line, identity, service = write(mix, i, t)
        if service is not None:
            truth[f"{service}|{identity}"] += 1
        yield line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=sorted(WRITERS))
    parser.add_argument("lines", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    truth = generate(args.kind, args.lines, args.out, args.seed)
    print(json.dumps({k: v for k, v in truth.items() if k != "pairs"}))


if __name__ == "__main__":
    main()
