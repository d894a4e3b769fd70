"""Every link kind, with a case that links and one that must not."""

from discovery.linkfacts import extract_link_facts, is_fact_file
from discovery.merge import merge_observations, repository_system_id
from discovery.models import Category, LinkFact, Location, Observation, SourceKind

from tests.discovery.test_merge import obs

ENDPOINT_ARN = "arn:aws:sagemaker:eu-west-1:111122223333:endpoint/loan-scorer"


def cloud(arn=ENDPOINT_ARN, model=None, provider="aws-sagemaker", identity=None, source=SourceKind.CLOUD, hint=None):
    return Observation(source=source, connector="aws", signal="aws.resource", provider=provider,
                       category=Category.CLOUD_AI_SERVICE, target="111122223333/eu-west-1",
                       location=Location(account="111122223333", region="eu-west-1", arn=arn), model=model,
                       identity=identity, system_hint=hint)


def fact(kind, value, repo="loans"):
    return LinkFact(kind=kind, value=value, repo=repo, target=f"/repos/{repo}", path="infra/main.tf")


def joined(systems):
    return {s.name: s for s in systems}


def test_iac_resource_links_a_declared_cloud_resource():
    systems = merge_observations([obs(repo="loans", target="/repos/loans"), cloud()],
                                 facts=[fact("iac-resource", "loan-scorer")])
    (system,) = systems
    assert system.id == repository_system_id("loans")
    assert system.sources == [SourceKind.CODE, SourceKind.CLOUD]
    (link,) = system.links
    assert link.kind == "iac-resource" and "declares loan-scorer" in link.reason and ENDPOINT_ARN in link.reason


def test_iac_resource_with_another_name_does_not_link():
    systems = merge_observations([obs(repo="loans", target="/repos/loans"), cloud()],
                                 facts=[fact("iac-resource", "fraud-scorer")])
    assert len(systems) == 2 and not any(s.links for s in systems)


def test_shared_deployment_name_links_cloud_to_the_repository_that_calls_it():
    deployment = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/acme/deployments/acme-gpt4o-support"
    azure = cloud(arn=deployment, model="acme-gpt4o-support", provider="azure-openai")
    code = obs(repo="bot", target="/repos/bot", provider="azure-openai", evidence='deployment="acme-gpt4o-support"')
    other = obs(repo="web", target="/repos/web", provider="openai", model="gpt-4o")
    systems = joined(merge_observations([code, other, azure]))
    assert set(systems) == {"bot", "web"}
    assert [l.kind for l in systems["bot"].links] == ["shared-model"]


def test_shared_deployment_name_from_config_facts_links_too():
    azure = cloud(arn="/subscriptions/x/deployments/scoring-v2", model="scoring-v2", provider="azure-openai")
    systems = merge_observations([obs(repo="loans", target="/repos/loans"), azure],
                                 facts=[fact("deployment-name", "scoring-v2")])
    assert len(systems) == 1 and systems[0].links[0].kind == "shared-model"


ACCOUNT = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/acme"


def test_the_account_of_a_linked_deployment_joins_the_same_system():
    azure = cloud(arn=f"{ACCOUNT}/deployments/acme-gpt4o-support", model="acme-gpt4o-support", provider="azure-openai")
    account = cloud(arn=ACCOUNT, provider="azure-openai")
    code = obs(repo="bot", target="/repos/bot", provider="azure-openai", evidence='deployment="acme-gpt4o-support"')
    (system,) = merge_observations([code, azure, account])
    parent = next(l for l in system.links if l.kind == "parent-resource")
    assert "hosts" in parent.reason and "acme-gpt4o-support" in parent.reason


def test_an_account_whose_deployments_serve_two_repositories_stays_apart():
    one = cloud(arn=f"{ACCOUNT}/deployments/bot-gpt4o", model="bot-gpt4o", provider="azure-openai")
    two = cloud(arn=f"{ACCOUNT}/deployments/web-gpt4o", model="web-gpt4o", provider="azure-openai")
    account = cloud(arn=ACCOUNT, provider="azure-openai")
    bot = obs(repo="bot", target="/repos/bot", provider="azure-openai", evidence='deployment="bot-gpt4o"')
    web = obs(repo="web", target="/repos/web", provider="azure-openai", evidence='deployment="web-gpt4o"')
    systems = merge_observations([bot, web, one, two, account])
    assert len(systems) == 3 and not any(l.kind == "parent-resource" for s in systems for l in s.links)


def test_an_unrelated_resource_is_not_a_parent():
    azure = cloud(arn=f"{ACCOUNT}/deployments/acme-gpt4o-support", model="acme-gpt4o-support", provider="azure-openai")
    other = cloud(arn=ACCOUNT + "-other", provider="azure-openai")
    code = obs(repo="bot", target="/repos/bot", provider="azure-openai", evidence='deployment="acme-gpt4o-support"')
    assert len(merge_observations([code, azure, other])) == 2


def test_a_model_named_in_two_repositories_joins_neither():
    bedrock = cloud(arn=None, model="anthropic.claude-3-haiku-20240307-v1:0", provider="aws-bedrock")
    a = obs(repo="a", target="/repos/a", model="anthropic.claude-3-haiku-20240307-v1:0")
    b = obs(repo="b", target="/repos/b", model="anthropic.claude-3-haiku-20240307-v1:0")
    systems = joined(merge_observations([a, b, bedrock]))
    assert len(systems) == 3
    standalone = next(s for s in systems.values() if SourceKind.CLOUD in s.sources)
    assert all("shared by 2 systems, not joined" in l.reason for l in standalone.links)


def test_key_fingerprint_links_code_and_a_provider_audit_log():
    fingerprint = "sk-proj-…[redacted sha256:8b2db9f95a24]"
    code = obs(repo="bot", target="/repos/bot", attributes={"key_fingerprint": fingerprint, "secret_exposed": True})
    audit = obs(source=SourceKind.LOGS, hint="openai-api", identity="svc-key",
                attributes={"key_fingerprint": fingerprint}, target="audit.jsonl")
    stranger = obs(source=SourceKind.LOGS, hint="openai-api-2", identity="x",
                   attributes={"key_fingerprint": "sk-proj-…[redacted sha256:000000000000]"}, target="audit.jsonl")
    systems = joined(merge_observations([code, audit, stranger]))
    assert [l.kind for l in systems["bot"].links] == ["key-fingerprint"]
    assert len(systems) == 2  # the other key's traffic stays its own system


def test_workload_identity_links_cloudtrail_to_the_deploying_repository():
    trail = cloud(arn=None, provider="aws-bedrock", identity="arn:aws:sts::111122223333:assumed-role/loan-scorer-task/i-123")
    trail = trail.model_copy(update={"system_hint": "111122223333/eu-west-1"})
    systems = merge_observations([obs(repo="loans", target="/repos/loans"), trail],
                                 facts=[fact("workload-identity", "arn:aws:iam::111122223333:role/loan-scorer-task")])
    assert len(systems) == 1 and systems[0].links[0].kind == "workload-identity"


def test_workload_identity_of_another_role_does_not_link():
    trail = cloud(arn=None, provider="aws-bedrock", identity="arn:aws:sts::111122223333:assumed-role/etl/i-1")
    systems = merge_observations([obs(repo="loans", target="/repos/loans"), trail],
                                 facts=[fact("workload-identity", "arn:aws:iam::111122223333:role/loan-scorer-task")])
    assert len(systems) == 2


def test_link_facts_from_terraform_kubernetes_env_and_codeowners():
    tf = 'variable "name" { default = "not-a-resource" }\nresource "aws_sagemaker_endpoint" "scorer" {\n  name = "loan-scorer"\n}\n'
    assert [(f.kind, f.value) for f in extract_link_facts(tf, "infra/main.tf", "r", "/r")] == [("iac-resource", "loan-scorer")]
    k8s = "spec:\n  serviceAccountName: loan-scorer\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/loan-scorer-task\n"
    kinds = {(f.kind, f.value) for f in extract_link_facts(k8s, "deploy/k8s.yaml", "r", "/r")}
    assert ("workload-identity", "loan-scorer") in kinds
    assert ("workload-identity", "arn:aws:iam::111122223333:role/loan-scorer-task") in kinds
    env = "AZURE_OPENAI_DEPLOYMENT=acme-gpt4o-support\nLOG_LEVEL=info\n"
    assert [(f.kind, f.value) for f in extract_link_facts(env, ".env.example", "r", "/r")] == [
        ("deployment-name", "acme-gpt4o-support")]
    owners = "# owners\n*  @acme/loans-team\n/docs/ @acme/writers\n"
    assert [(f.kind, f.value) for f in extract_link_facts(owners, "CODEOWNERS", "r", "/r")] == [("owner", "@acme/loans-team")]
    assert is_fact_file("deploy/k8s.yaml") and is_fact_file("CODEOWNERS") and not is_fact_file("src/app.py")


def test_codeowners_catch_all_is_the_suggested_owner_not_the_owner():
    (system,) = merge_observations([obs(repo="loans", target="/repos/loans")],
                                   facts=[fact("owner", "@acme/loans-team")])
    assert system.suggested_owner == "@acme/loans-team" and system.owner is None


def test_repository_metadata_suggests_an_owner_when_there_is_no_codeowners():
    package = '{"name": "web", "author": {"name": "Web Team", "email": "web@acme.example"}}'
    assert [(f.kind, f.value) for f in extract_link_facts(package, "package.json", "r", "/r")] == [
        ("owner", "web@acme.example")]
    pyproject = '[project]\nname = "ml"\nauthors = [{name = "Data Science", email = "ml@acme.example"}]\n'
    assert ("owner", "ml@acme.example") in {(f.kind, f.value) for f in extract_link_facts(pyproject, "pyproject.toml", "r", "/r")}
    assert extract_link_facts("not json", "package.json", "r", "/r") == []


def test_cloudformation_names_and_azure_resource_ids_are_declared_resources():
    cfn = "Resources:\n  Scorer:\n    Type: AWS::SageMaker::Endpoint\n    Properties:\n      EndpointName: acme-loan-scorer\n"
    assert ("iac-resource", "acme-loan-scorer") in {(f.kind, f.value) for f in extract_link_facts(cfn, "template.yaml", "r", "/r")}
    bicep = ("param id string = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
             "Microsoft.CognitiveServices/accounts/acme/deployments/support-gpt4o'\n")
    values = {f.value for f in extract_link_facts(bicep, "main.bicep", "r", "/r")}
    assert any(v.endswith("/deployments/support-gpt4o") for v in values)
