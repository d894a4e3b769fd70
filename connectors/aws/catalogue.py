"""The AWS AI inventory catalogue: every list operation aims reads, per service, as data.

Left out on purpose, because they are AWS's public catalogues rather than the account's own
resources: bedrock ListFoundationModels, system-defined inference profiles (we ask for
typeEquals=APPLICATION), Personalize ListRecipes, Lex ListBuiltIn*, SageMaker hub contents.
Parents come before their children within a service.
"""

from __future__ import annotations

from discovery.controls import ControlKind
from discovery.models import Category

from connectors.aws.specs import DetailCall, ListSpec, Role

BEDROCK, SAGEMAKER, AI_SERVICES = "aws-bedrock", "aws-sagemaker", "aws-ai-services"
A, C = Role.AGGREGATE, Role.CONTROL
VECTOR = Category.VECTOR_STORE

_BEDROCK = (
    ListSpec("bedrock", "ListCustomModels", "modelSummaries", "bedrock.custom-model", BEDROCK,
             arn_field="modelArn", name_field="modelName", model_fields=("baseModelArn",),
             status_field="modelStatus", created_field="creationTime"),
    ListSpec("bedrock", "ListImportedModels", "modelSummaries", "bedrock.imported-model", BEDROCK,
             arn_field="modelArn", name_field="modelName", created_field="creationTime"),
    ListSpec("bedrock", "ListModelCustomizationJobs", "modelCustomizationJobSummaries",
             "bedrock.customization-job", BEDROCK, role=A, arn_field="jobArn", name_field="jobName",
             model_fields=("baseModelArn",), status_field="status", created_field="creationTime",
             updated_field="lastModifiedTime", scope_field="customModelArn"),
    ListSpec("bedrock", "ListProvisionedModelThroughputs", "provisionedModelSummaries",
             "bedrock.provisioned-throughput", BEDROCK, arn_field="provisionedModelArn",
             name_field="provisionedModelName", model_fields=("foundationModelArn", "modelArn"),
             status_field="status", created_field="creationTime", updated_field="lastModifiedTime"),
    ListSpec("bedrock", "ListInferenceProfiles", "inferenceProfileSummaries", "bedrock.inference-profile",
             BEDROCK, params={"typeEquals": "APPLICATION"}, arn_field="inferenceProfileArn",
             name_field="inferenceProfileName", model_fields=("models.modelArn",), status_field="status",
             created_field="createdAt", updated_field="updatedAt"),
    ListSpec("bedrock", "ListCustomModelDeployments", "modelDeploymentSummaries",
             "bedrock.custom-model-deployment", BEDROCK, arn_field="customModelDeploymentArn",
             name_field="customModelDeploymentName", model_fields=("modelArn",), status_field="status",
             created_field="createdAt", updated_field="lastUpdatedAt", scope_field="modelArn"),
    ListSpec("bedrock", "ListMarketplaceModelEndpoints", "marketplaceModelEndpoints",
             "bedrock.marketplace-endpoint", BEDROCK, arn_field="endpointArn",
             model_fields=("modelSourceIdentifier",), status_field="status", created_field="createdAt",
             updated_field="updatedAt"),
    ListSpec("bedrock", "ListEvaluationJobs", "jobSummaries", "bedrock.evaluation-job", BEDROCK, role=A,
             arn_field="jobArn", name_field="jobName", model_fields=("modelIdentifiers",),
             status_field="status", created_field="creationTime"),
    ListSpec("bedrock", "ListModelInvocationJobs", "invocationJobSummaries", "bedrock.batch-inference-job",
             BEDROCK, role=A, arn_field="jobArn", name_field="jobName", model_fields=("modelId",),
             status_field="status", created_field="submitTime", updated_field="lastModifiedTime"),
    ListSpec("bedrock", "ListGuardrails", "guardrails", "bedrock.guardrail", BEDROCK, role=C,
             control=ControlKind.GUARDRAILS, arn_field="arn", name_field="name", status_field="status",
             created_field="createdAt", updated_field="updatedAt"),
)

_BEDROCK_AGENT = (
    ListSpec("bedrock-agent", "ListAgents", "agentSummaries", "bedrock.agent", BEDROCK,
             arn_template="arn:aws:bedrock:{region}:{account}:agent/{agentId}", name_field="agentName",
             status_field="agentStatus", updated_field="updatedAt",
             detail=DetailCall("GetAgent", {"agentId": "agentId"}, model_paths=("agent.foundationModel",))),
    ListSpec("bedrock-agent", "ListAgentAliases", "agentAliasSummaries", "bedrock.agent-alias", BEDROCK,
             role=A, name_field="agentAliasName", status_field="agentAliasStatus", created_field="createdAt",
             updated_field="updatedAt", parent="bedrock.agent", parent_params={"agentId": "agentId"}),
    ListSpec("bedrock-agent", "ListKnowledgeBases", "knowledgeBaseSummaries", "bedrock.knowledge-base",
             BEDROCK, arn_template="arn:aws:bedrock:{region}:{account}:knowledge-base/{knowledgeBaseId}",
             name_field="name", status_field="status", updated_field="updatedAt",
             detail=DetailCall("GetKnowledgeBase", {"knowledgeBaseId": "knowledgeBaseId"}, model_paths=(
                 "knowledgeBase.knowledgeBaseConfiguration.vectorKnowledgeBaseConfiguration.embeddingModelArn",))),
    ListSpec("bedrock-agent", "ListDataSources", "dataSourceSummaries", "bedrock.knowledge-base-data-source",
             BEDROCK, role=A, name_field="name", status_field="status", updated_field="updatedAt",
             parent="bedrock.knowledge-base", parent_params={"knowledgeBaseId": "knowledgeBaseId"}),
    ListSpec("bedrock-agent", "ListFlows", "flowSummaries", "bedrock.flow", BEDROCK, arn_field="arn",
             name_field="name", status_field="status", created_field="createdAt", updated_field="updatedAt"),
    ListSpec("bedrock-agent", "ListPrompts", "promptSummaries", "bedrock.prompt", BEDROCK, arn_field="arn",
             name_field="name", created_field="createdAt", updated_field="updatedAt"),
)

_AGENTCORE = (
    ListSpec("bedrock-agentcore-control", "ListAgentRuntimes", "agentRuntimes", "bedrock-agentcore.runtime",
             BEDROCK, arn_field="agentRuntimeArn", name_field="agentRuntimeName", status_field="status",
             updated_field="lastUpdatedAt"),
    ListSpec("bedrock-agentcore-control", "ListGateways", "items", "bedrock-agentcore.gateway", BEDROCK,
             arn_template="arn:aws:bedrock-agentcore:{region}:{account}:gateway/{gatewayId}", name_field="name",
             status_field="status", created_field="createdAt", updated_field="updatedAt"),
)

_SM_JOB = dict(role=A, created_field="CreationTime", updated_field="LastModifiedTime")
_SAGEMAKER = (
    ListSpec("sagemaker", "ListEndpoints", "Endpoints", "sagemaker.endpoint", SAGEMAKER,
             arn_field="EndpointArn", name_field="EndpointName", status_field="EndpointStatus",
             created_field="CreationTime", updated_field="LastModifiedTime",
             detail=DetailCall("DescribeEndpoint", {"EndpointName": "EndpointName"},
                               link_paths=("EndpointConfigName",))),
    ListSpec("sagemaker", "ListEndpointConfigs", "EndpointConfigs", "sagemaker.endpoint-config", SAGEMAKER,
             arn_field="EndpointConfigArn", name_field="EndpointConfigName", created_field="CreationTime"),
    ListSpec("sagemaker", "ListModels", "Models", "sagemaker.model", SAGEMAKER, arn_field="ModelArn",
             name_field="ModelName", created_field="CreationTime"),
    ListSpec("sagemaker", "ListInferenceComponents", "InferenceComponents", "sagemaker.inference-component",
             SAGEMAKER, arn_field="InferenceComponentArn", name_field="InferenceComponentName",
             status_field="InferenceComponentStatus", created_field="CreationTime",
             updated_field="LastModifiedTime", scope_field="EndpointArn"),
    ListSpec("sagemaker", "ListModelPackageGroups", "ModelPackageGroupSummaryList",
             "sagemaker.model-package-group", SAGEMAKER, arn_field="ModelPackageGroupArn",
             name_field="ModelPackageGroupName", status_field="ModelPackageGroupStatus",
             created_field="CreationTime"),
    ListSpec("sagemaker", "ListModelPackages", "ModelPackageSummaryList", "sagemaker.model-package",
             SAGEMAKER, params={"ModelPackageType": "Both"}, arn_field="ModelPackageArn",
             name_field="ModelPackageName", status_field="ModelApprovalStatus", created_field="CreationTime",
             scope_lookup=("sagemaker.model-package-group", "ModelPackageGroupName", "ModelPackageGroupName")),
    ListSpec("sagemaker", "ListNotebookInstances", "NotebookInstances", "sagemaker.notebook-instance",
             SAGEMAKER, arn_field="NotebookInstanceArn", name_field="NotebookInstanceName",
             status_field="NotebookInstanceStatus", created_field="CreationTime",
             updated_field="LastModifiedTime"),
    ListSpec("sagemaker", "ListDomains", "Domains", "sagemaker.domain", SAGEMAKER, arn_field="DomainArn",
             name_field="DomainName", status_field="Status", created_field="CreationTime",
             updated_field="LastModifiedTime"),
    ListSpec("sagemaker", "ListPipelines", "PipelineSummaries", "sagemaker.pipeline", SAGEMAKER,
             arn_field="PipelineArn", name_field="PipelineName", created_field="CreationTime",
             updated_field="LastModifiedTime"),
    ListSpec("sagemaker", "ListTrainingJobs", "TrainingJobSummaries", "sagemaker.training-job", SAGEMAKER,
             arn_field="TrainingJobArn", name_field="TrainingJobName", status_field="TrainingJobStatus", **_SM_JOB),
    ListSpec("sagemaker", "ListProcessingJobs", "ProcessingJobSummaries", "sagemaker.processing-job",
             SAGEMAKER, arn_field="ProcessingJobArn", name_field="ProcessingJobName",
             status_field="ProcessingJobStatus", **_SM_JOB),
    ListSpec("sagemaker", "ListTransformJobs", "TransformJobSummaries", "sagemaker.transform-job", SAGEMAKER,
             arn_field="TransformJobArn", name_field="TransformJobName", status_field="TransformJobStatus",
             **_SM_JOB),
    ListSpec("sagemaker", "ListHyperParameterTuningJobs", "HyperParameterTuningJobSummaries",
             "sagemaker.tuning-job", SAGEMAKER, arn_field="HyperParameterTuningJobArn",
             name_field="HyperParameterTuningJobName", status_field="HyperParameterTuningJobStatus", **_SM_JOB),
    ListSpec("sagemaker", "ListAutoMLJobs", "AutoMLJobSummaries", "sagemaker.automl-job", SAGEMAKER,
             arn_field="AutoMLJobArn", name_field="AutoMLJobName", status_field="AutoMLJobStatus", **_SM_JOB),
    ListSpec("sagemaker", "ListModelCards", "ModelCardSummaries", "sagemaker.model-card", SAGEMAKER, role=C,
             control=ControlKind.MODEL_CARDS, arn_field="ModelCardArn", name_field="ModelCardName",
             status_field="ModelCardStatus", created_field="CreationTime", updated_field="LastModifiedTime"),
    ListSpec("sagemaker", "ListMonitoringSchedules", "MonitoringScheduleSummaries",
             "sagemaker.monitoring-schedule", SAGEMAKER, role=C, control=ControlKind.MODEL_MONITORING,
             arn_field="MonitoringScheduleArn", name_field="MonitoringScheduleName",
             status_field="MonitoringScheduleStatus", created_field="CreationTime",
             updated_field="LastModifiedTime",
             scope_lookup=("sagemaker.endpoint", "EndpointName", "EndpointName")),
)

_COMPREHEND_JOB = dict(role=A, arn_field="JobArn", name_field="JobName", status_field="JobStatus",
                       created_field="SubmitTime", updated_field="EndTime")
_COMPREHEND = (
    ListSpec("comprehend", "ListEndpoints", "EndpointPropertiesList", "comprehend.endpoint", AI_SERVICES,
             arn_field="EndpointArn", model_fields=("ModelArn",), status_field="Status",
             created_field="CreationTime", updated_field="LastModifiedTime"),
    ListSpec("comprehend", "ListDocumentClassifiers", "DocumentClassifierPropertiesList",
             "comprehend.document-classifier", AI_SERVICES, arn_field="DocumentClassifierArn",
             status_field="Status", created_field="SubmitTime", updated_field="EndTime"),
    ListSpec("comprehend", "ListEntityRecognizers", "EntityRecognizerPropertiesList",
             "comprehend.entity-recognizer", AI_SERVICES, arn_field="EntityRecognizerArn", status_field="Status",
             created_field="SubmitTime", updated_field="EndTime"),
    ListSpec("comprehend", "ListFlywheels", "FlywheelSummaryList", "comprehend.flywheel", AI_SERVICES,
             arn_field="FlywheelArn", model_fields=("ActiveModelArn",), status_field="Status",
             created_field="CreationTime", updated_field="LastModifiedTime"),
    ListSpec("comprehend", "ListEntitiesDetectionJobs", "EntitiesDetectionJobPropertiesList",
             "comprehend.entities-job", AI_SERVICES, **_COMPREHEND_JOB),
    ListSpec("comprehend", "ListPiiEntitiesDetectionJobs", "PiiEntitiesDetectionJobPropertiesList",
             "comprehend.pii-job", AI_SERVICES, **_COMPREHEND_JOB),
    ListSpec("comprehend", "ListSentimentDetectionJobs", "SentimentDetectionJobPropertiesList",
             "comprehend.sentiment-job", AI_SERVICES, **_COMPREHEND_JOB),
    ListSpec("comprehend", "ListDocumentClassificationJobs", "DocumentClassificationJobPropertiesList",
             "comprehend.classification-job", AI_SERVICES, **_COMPREHEND_JOB),
)

_REKOGNITION = (
    ListSpec("rekognition", "ListCollections", "CollectionIds", "rekognition.face-collection", AI_SERVICES,
             scalar_field="CollectionId",
             arn_template="arn:aws:rekognition:{region}:{account}:collection/{CollectionId}"),
    ListSpec("rekognition", "DescribeProjects", "ProjectDescriptions", "rekognition.custom-labels-project",
             AI_SERVICES, arn_field="ProjectArn", status_field="Status", created_field="CreationTimestamp"),
    ListSpec("rekognition", "ListStreamProcessors", "StreamProcessors", "rekognition.stream-processor",
             AI_SERVICES, arn_template="arn:aws:rekognition:{region}:{account}:streamprocessor/{Name}",
             name_field="Name", status_field="Status"),
)

_TRANSCRIBE_JOB = dict(role=A, status_field="TranscriptionJobStatus", created_field="CreationTime",
                       updated_field="CompletionTime")
_LANGUAGE_AI = (
    ListSpec("textract", "ListAdapters", "Adapters", "textract.adapter", AI_SERVICES,
             arn_template="arn:aws:textract:{region}:{account}:/adapters/{AdapterId}", name_field="AdapterName",
             created_field="CreationTime"),
    ListSpec("transcribe", "ListLanguageModels", "Models", "transcribe.language-model", AI_SERVICES,
             arn_template="arn:aws:transcribe:{region}:{account}:language-model/{ModelName}",
             name_field="ModelName", model_fields=("BaseModelName",), status_field="ModelStatus",
             created_field="CreateTime", updated_field="LastModifiedTime"),
    ListSpec("transcribe", "ListVocabularies", "Vocabularies", "transcribe.vocabulary", AI_SERVICES, role=A,
             name_field="VocabularyName", status_field="VocabularyState", updated_field="LastModifiedTime"),
    ListSpec("transcribe", "ListTranscriptionJobs", "TranscriptionJobSummaries", "transcribe.transcription-job",
             AI_SERVICES, name_field="TranscriptionJobName", **_TRANSCRIBE_JOB),
    ListSpec("transcribe", "ListMedicalTranscriptionJobs", "MedicalTranscriptionJobSummaries",
             "transcribe.medical-transcription-job", AI_SERVICES, name_field="MedicalTranscriptionJobName",
             **_TRANSCRIBE_JOB),
    ListSpec("transcribe", "ListCallAnalyticsJobs", "CallAnalyticsJobSummaries", "transcribe.call-analytics-job",
             AI_SERVICES, role=A, name_field="CallAnalyticsJobName", status_field="CallAnalyticsJobStatus",
             created_field="CreationTime", updated_field="CompletionTime"),
    ListSpec("translate", "ListTerminologies", "TerminologyPropertiesList", "translate.terminology",
             AI_SERVICES, role=A, arn_field="Arn", name_field="Name", created_field="CreatedAt",
             updated_field="LastUpdatedAt"),
    ListSpec("translate", "ListParallelData", "ParallelDataPropertiesList", "translate.parallel-data",
             AI_SERVICES, role=A, arn_field="Arn", name_field="Name", status_field="Status",
             created_field="CreatedAt", updated_field="LastUpdatedAt"),
    ListSpec("translate", "ListTextTranslationJobs", "TextTranslationJobPropertiesList",
             "translate.translation-job", AI_SERVICES, role=A, name_field="JobName", status_field="JobStatus",
             created_field="SubmittedTime", updated_field="EndTime"),
    ListSpec("lexv2-models", "ListBots", "botSummaries", "lex.bot", AI_SERVICES,
             arn_template="arn:aws:lex:{region}:{account}:bot/{botId}", name_field="botName",
             status_field="botStatus", updated_field="lastUpdatedDateTime"),
    ListSpec("lexv2-models", "ListBotAliases", "botAliasSummaries", "lex.bot-alias", AI_SERVICES, role=A,
             name_field="botAliasName", status_field="botAliasStatus", created_field="creationDateTime",
             updated_field="lastUpdatedDateTime", parent="lex.bot", parent_params={"botId": "botId"}),
    ListSpec("polly", "ListLexicons", "Lexicons", "polly.lexicon", AI_SERVICES, role=A, name_field="Name"),
    ListSpec("polly", "ListSpeechSynthesisTasks", "SynthesisTasks", "polly.synthesis-task", AI_SERVICES,
             role=A, name_field="TaskId", status_field="TaskStatus", created_field="CreationTime"),
)

_SEARCH_AND_APPS = (
    ListSpec("kendra", "ListIndices", "IndexConfigurationSummaryItems", "kendra.index", AI_SERVICES,
             arn_template="arn:aws:kendra:{region}:{account}:index/{Id}", name_field="Name",
             status_field="Status", created_field="CreatedAt", updated_field="UpdatedAt"),
    ListSpec("kendra", "ListDataSources", "SummaryItems", "kendra.data-source", AI_SERVICES, role=A,
             name_field="Name", status_field="Status", created_field="CreatedAt", updated_field="UpdatedAt",
             parent="kendra.index", parent_params={"IndexId": "Id"}),
    ListSpec("personalize", "ListDatasetGroups", "datasetGroups", "personalize.dataset-group", AI_SERVICES,
             arn_field="datasetGroupArn", name_field="name", status_field="status",
             created_field="creationDateTime", updated_field="lastUpdatedDateTime"),
    ListSpec("personalize", "ListSolutions", "solutions", "personalize.solution", AI_SERVICES,
             arn_field="solutionArn", name_field="name", model_fields=("recipeArn",), status_field="status",
             created_field="creationDateTime", updated_field="lastUpdatedDateTime"),
    ListSpec("personalize", "ListCampaigns", "campaigns", "personalize.campaign", AI_SERVICES,
             arn_field="campaignArn", name_field="name", status_field="status",
             created_field="creationDateTime", updated_field="lastUpdatedDateTime"),
    ListSpec("personalize", "ListRecommenders", "recommenders", "personalize.recommender", AI_SERVICES,
             arn_field="recommenderArn", name_field="name", model_fields=("recipeArn",), status_field="status",
             created_field="creationDateTime", updated_field="lastUpdatedDateTime"),
    ListSpec("qbusiness", "ListApplications", "applications", "qbusiness.application", AI_SERVICES,
             arn_template="arn:aws:qbusiness:{region}:{account}:application/{applicationId}",
             name_field="displayName", status_field="status", created_field="createdAt",
             updated_field="updatedAt"),
)

# A collection's type (VECTORSEARCH or not) needs BatchGetCollection, outside the read-only
# prefixes, so collections are medium-confidence vector stores.
_VECTOR_STORES = (
    ListSpec("opensearchserverless", "ListCollections", "collectionSummaries",
             "opensearchserverless.collection", AI_SERVICES, category=VECTOR, arn_field="arn",
             name_field="name", status_field="status", confidence="medium"),
    ListSpec("s3vectors", "ListVectorBuckets", "vectorBuckets", "s3vectors.vector-bucket", AI_SERVICES,
             category=VECTOR, arn_field="vectorBucketArn", name_field="vectorBucketName",
             created_field="creationTime"),
    ListSpec("s3vectors", "ListIndexes", "indexes", "s3vectors.index", AI_SERVICES, role=A, category=VECTOR,
             arn_field="indexArn", name_field="indexName", created_field="creationTime",
             parent="s3vectors.vector-bucket", parent_params={"vectorBucketName": "vectorBucketName"}),
)

INVENTORY: tuple[ListSpec, ...] = (
    _BEDROCK + _BEDROCK_AGENT + _AGENTCORE + _SAGEMAKER + _COMPREHEND + _REKOGNITION + _LANGUAGE_AI
    + _SEARCH_AND_APPS + _VECTOR_STORES
)

#: Settings read once per (account, region), outside the list specs: (service, operation).
INVOCATION_LOGGING = ("bedrock", "GetModelInvocationLoggingConfiguration")
#: Read only for configs that a live endpoint uses, to fold configs and models into it.
ENDPOINT_CONFIG_DETAIL = ("sagemaker", "DescribeEndpointConfig")


def services() -> list[str]:
    """Every inventoried service, in catalogue order."""
    return list(dict.fromkeys(spec.service for spec in INVENTORY))


def specs_for(service: str) -> list[ListSpec]:
    return [spec for spec in INVENTORY if spec.service == service]


def by_kind() -> dict[str, ListSpec]:
    return {spec.kind: spec for spec in INVENTORY}
