"""SageMaker notebook instances (internet access, root access, the role they run as, their key and subnet),
models (the role they run as, network isolation) and the endpoints that serve them."""

from __future__ import annotations

from aws_integration.integrations.aws.collectors.common import Detail, list_then_describe
from aws_integration.integrations.aws.collectors.mapped import Link, arn_of, equals, in_subnets, protected_by, mapped_step, mapped_type, read, uses_key, uses_role
from aws_integration.integrations.aws.declarations import ApiCall, RawItem
from aws_integration.integrations.aws.engine.context import FetchContext

DETAIL = "Detail"


NOTEBOOK = mapped_type(
    "aws_sagemaker_notebook_instance", ("Host",), "A SageMaker notebook instance.",
    key="NotebookInstanceArn", display_name="NotebookInstanceName", tags="Tags",
    links=(uses_role(f"{DETAIL}.RoleArn"), uses_key(f"{DETAIL}.KmsKeyId"), in_subnets(f"{DETAIL}.SubnetId"),
           protected_by(f"{DETAIL}.SecurityGroups")),
    name=("string: The notebook instance's name.", "NotebookInstanceName"),
    arn=("string: Its ARN.", "NotebookInstanceArn"),
    status=("string: Pending, InService, Stopping, Stopped, Failed, ...", "NotebookInstanceStatus"),
    instanceType=("string: Its instance type.", "InstanceType"),
    directInternetAccess=("boolean: Whether it reaches the internet directly, not through its VPC.",
                          equals(f"{DETAIL}.DirectInternetAccess", "Enabled")),
    rootAccess=("boolean: Whether its users have root access.", equals(f"{DETAIL}.RootAccess", "Enabled")),
    roleArn=("string: The role it runs as.", f"{DETAIL}.RoleArn"),
    kmsKeyId=("string: The key that encrypts its storage volume.", f"{DETAIL}.KmsKeyId"),
    customerKeyEncrypted=("boolean: Whether a customer key (not SageMaker's own) encrypts its storage volume.", lambda item: bool(read(item, f"{DETAIL}.KmsKeyId"))),
    subnetId=("string: The subnet it runs in.", f"{DETAIL}.SubnetId"),
    volumeSizeInGB=("integer: Its storage volume's size.", f"{DETAIL}.VolumeSizeInGB"),
    platformIdentifier=("string: Its platform (notebook-al2-v2, ...).", f"{DETAIL}.PlatformIdentifier"),
    createdOn=("timestamp: When it was created.", "CreationTime"),
)


LIST_TAGS = ApiCall("sagemaker", "ListTags", "Tags")

MODEL = mapped_type(
    "aws_sagemaker_model", ("Model",), "A SageMaker model: the container and artifacts an endpoint serves.",
    key="ModelArn", display_name="ModelName", tags="Tags",
    links=(uses_role(f"{DETAIL}.ExecutionRoleArn"), in_subnets(f"{DETAIL}.VpcConfig.Subnets"),
           protected_by(f"{DETAIL}.VpcConfig.SecurityGroupIds")),
    name=("string: The model's name.", "ModelName"),
    roleArn=("string: The role it runs as.", f"{DETAIL}.ExecutionRoleArn"),
    networkIsolation=("boolean: Whether its containers may make no outbound call.", f"{DETAIL}.EnableNetworkIsolation"),
    inVpc=("boolean: Whether its containers run in the account's VPC.", lambda item: bool(read(item, f"{DETAIL}.VpcConfig"))),
    image=("string: Its primary container's image.", f"{DETAIL}.PrimaryContainer.Image"),
    modelData=("string: Where its artifacts are (an S3 URI).", f"{DETAIL}.PrimaryContainer.ModelDataUrl"),
    createdOn=("timestamp: When it was created.", "CreationTime"),
)

ENDPOINT = mapped_type(
    "aws_sagemaker_endpoint", ("ApplicationEndpoint",), "A SageMaker endpoint: the models it serves for inference.",
    key="EndpointArn", display_name="EndpointName", tags="Tags",
    links=(Link("USES", MODEL.decl, "ModelArns", arn_of("sagemaker", "model/")), uses_key("Config.KmsKeyId")),
    name=("string: The endpoint's name.", "EndpointName"),
    status=("string: InService, Creating, Updating, Failed and the like.", "EndpointStatus"),
    endpointConfigName=("string: Its endpoint configuration.", "Detail.EndpointConfigName"),
    models=("string[]: The models its variants serve.", "ModelNames"),
    kmsKeyId=("string: The key that encrypts its storage.", "Config.KmsKeyId"),
    dataCapture=("boolean: Whether it keeps the requests and answers it serves.", "Detail.DataCaptureConfig.EnableCapture"),
    createdOn=("timestamp: When it was created.", "CreationTime"),
    updatedOn=("timestamp: When it last changed.", "LastModifiedTime"),
)
LIST_ENDPOINTS = ApiCall("sagemaker", "ListEndpoints", "Endpoints", page_size=100)
DESCRIBE_ENDPOINT = ApiCall("sagemaker", "DescribeEndpoint", absent_errors=("ValidationException",))
DESCRIBE_ENDPOINT_CONFIG = ApiCall("sagemaker", "DescribeEndpointConfig", absent_errors=("ValidationException",))


async def fetch_endpoints(context: FetchContext) -> list[RawItem]:
    """Every endpoint with its configuration (the models it serves, its key) and its tags."""
    listed = await context.items(LIST_ENDPOINTS)

    async def describe(summary: RawItem) -> RawItem | None:
        detail, tags = await context.together(
            lambda: context.call(DESCRIBE_ENDPOINT, EndpointName=summary["EndpointName"]),
            lambda: context.items(LIST_TAGS, ResourceArn=summary["EndpointArn"]),
        )
        if detail is None:
            return None
        config = await context.call(DESCRIBE_ENDPOINT_CONFIG, EndpointConfigName=detail["EndpointConfigName"]) or {}
        models = sorted({variant["ModelName"] for variant in config.get("ProductionVariants") or [] if variant.get("ModelName")})
        return {**summary, "Detail": detail, "Config": config, "Tags": tags, "ModelNames": models,
                "ModelArns": [context.scope.arn("sagemaker", f"model/{name.lower()}") for name in models]}

    return [item for item in await context.each(listed, describe) if item is not None]


STEPS = (
    mapped_step("fetch-sagemaker-notebooks", "SageMaker notebook instances", "sagemaker", NOTEBOOK,
                fetch=list_then_describe(
                    ApiCall("sagemaker", "ListNotebookInstances", "NotebookInstances", page_size=100),
                    Detail(DETAIL, ApiCall("sagemaker", "DescribeNotebookInstance"),
                           lambda item: {"NotebookInstanceName": item["NotebookInstanceName"]}),
                    Detail("Tags", LIST_TAGS,
                           lambda item: {"ResourceArn": item["NotebookInstanceArn"]}),
                )),
    mapped_step("fetch-sagemaker-models", "SageMaker models", "sagemaker", MODEL, fetch=list_then_describe(
        ApiCall("sagemaker", "ListModels", "Models", page_size=100),
        Detail(DETAIL, ApiCall("sagemaker", "DescribeModel", absent_errors=("ValidationException",)),
               lambda item: {"ModelName": item["ModelName"]}),
        Detail("Tags", LIST_TAGS, lambda item: {"ResourceArn": item["ModelArn"]}),
    )),
    mapped_step("fetch-sagemaker-endpoints", "SageMaker endpoints", "sagemaker", ENDPOINT,
                calls=(LIST_ENDPOINTS, DESCRIBE_ENDPOINT, DESCRIBE_ENDPOINT_CONFIG, LIST_TAGS), fetch=fetch_endpoints),
)
