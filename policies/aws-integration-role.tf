terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "trusted_principal" {
  description = "ARN of the principal (account root, role or user) that runs aws-integration"
  type        = string
}

variable "external_id" {
  description = "External ID the trusted principal must present when assuming the role"
  type        = string
  sensitive   = true
}

variable "role_name" {
  description = "Name of the role"
  type        = string
  default     = "aws-integration-inventory"
}

data "aws_partition" "current" {}

resource "aws_iam_policy" "inventory_1" {
  name_prefix = "${var.role_name}-"
  description = "aws-integration read-only inventory access (1 of 4)"
  policy = jsonencode({
    "Version" = "2012-10-17"
    "Statement" = [
      {
        "Sid"    = "AccessAnalyzerReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "access-analyzer:ListAnalyzers",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "AccessAnalyzerReadAnalyzer"
        "Effect" = "Allow"
        "Action" = [
          "access-analyzer:ListFindings",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:access-analyzer:*:*:analyzer/*"
      },
      {
        "Sid"    = "AcmReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "acm:ListCertificates",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "AcmReadCertificate"
        "Effect" = "Allow"
        "Action" = [
          "acm:DescribeCertificate",
          "acm:ListTagsForCertificate",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:acm:*:*:certificate/*"
      },
      {
        "Sid"    = "AcmPcaReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "acm-pca:ListCertificateAuthorities",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "AcmPcaReadCertificateAuthority"
        "Effect" = "Allow"
        "Action" = [
          "acm-pca:ListTags",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:acm-pca:*:*:certificate-authority/*"
      },
      {
        "Sid"    = "ApigatewayReadApiGatewayResourcePath"
        "Effect" = "Allow"
        "Action" = [
          "apigateway:GET",
        ]
        "Resource" = [
          "arn:${data.aws_partition.current.partition}:apigateway:*::/restapis",
          "arn:${data.aws_partition.current.partition}:apigateway:*::/apis",
        ]
      },
      {
        "Sid"    = "AppsyncReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "appsync:ListGraphqlApis",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "AthenaReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "athena:ListWorkGroups",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "AthenaReadCapacityReservationDatacatalogSessionWorkgroup"
        "Effect" = "Allow"
        "Action" = [
          "athena:ListTagsForResource",
        ]
        "Resource" = [
          "arn:${data.aws_partition.current.partition}:athena:*:*:capacity-reservation/*",
          "arn:${data.aws_partition.current.partition}:athena:*:*:datacatalog/*",
          "arn:${data.aws_partition.current.partition}:athena:*:*:workgroup/*",
          "arn:${data.aws_partition.current.partition}:athena:*:*:workgroup/*/session/*",
        ]
      },
      {
        "Sid"    = "AthenaReadWorkgroup"
        "Effect" = "Allow"
        "Action" = [
          "athena:GetWorkGroup",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:athena:*:*:workgroup/*"
      },
      {
        "Sid"    = "AutoscalingReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "autoscaling:DescribeAutoScalingGroups",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "BackupReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "backup:ListBackupPlans",
          "backup:ListBackupVaults",
          "backup:ListTags",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "BackupReadBackupPlan"
        "Effect" = "Allow"
        "Action" = [
          "backup:GetBackupPlan",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:backup:*:*:backup-plan:*"
      },
      {
        "Sid"    = "BatchReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "batch:DescribeComputeEnvironments",
          "batch:DescribeJobQueues",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CloudformationReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "cloudformation:DescribeStacks",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CloudfrontReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "cloudfront:ListDistributions",
          "cloudfront:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CloudtrailReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "cloudtrail:DescribeTrails",
          "cloudtrail:ListTags",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CloudtrailReadTrail"
        "Effect" = "Allow"
        "Action" = [
          "cloudtrail:GetTrailStatus",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:cloudtrail:*:*:trail/*"
      },
      {
        "Sid"    = "CloudwatchReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "cloudwatch:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CloudwatchReadAlarm"
        "Effect" = "Allow"
        "Action" = [
          "cloudwatch:DescribeAlarms",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:cloudwatch:*:*:alarm:*"
      },
      {
        "Sid"    = "CodebuildReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "codebuild:ListProjects",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CodebuildReadProject"
        "Effect" = "Allow"
        "Action" = [
          "codebuild:BatchGetProjects",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:codebuild:*:*:project/*"
      },
      {
        "Sid"    = "CodecommitReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "codecommit:ListRepositories",
          "codecommit:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CodecommitReadRepository"
        "Effect" = "Allow"
        "Action" = [
          "codecommit:BatchGetRepositories",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:codecommit:*:*:*"
      },
      {
        "Sid"    = "CodepipelineReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "codepipeline:ListPipelines",
          "codepipeline:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CodepipelineReadPipeline"
        "Effect" = "Allow"
        "Action" = [
          "codepipeline:GetPipeline",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:codepipeline:*:*:*"
      },
      {
        "Sid"    = "CognitoIdentityReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "cognito-identity:ListIdentityPools",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CognitoIdentityReadIdentitypool"
        "Effect" = "Allow"
        "Action" = [
          "cognito-identity:DescribeIdentityPool",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:cognito-identity:*:*:identitypool/*"
      },
      {
        "Sid"    = "CognitoIdpReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "cognito-idp:ListUserPools",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "CognitoIdpReadUserpool"
        "Effect" = "Allow"
        "Action" = [
          "cognito-idp:DescribeUserPool",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:cognito-idp:*:*:userpool/*"
      },
      {
        "Sid"    = "ConfigReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "config:DescribeComplianceByConfigRule",
          "config:DescribeConfigRules",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "ConfigReadConfigurationRecorder"
        "Effect" = "Allow"
        "Action" = [
          "config:DescribeConfigurationRecorders",
          "config:DescribeConfigurationRecorderStatus",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:config:*:*:configuration-recorder/*/*"
      },
      {
        "Sid"    = "DaxReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "dax:DescribeClusters",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "DaxReadApplication"
        "Effect" = "Allow"
        "Action" = [
          "dax:ListTags",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:dax:*:*:cache/*"
      },
      {
        "Sid"    = "DsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "ds:DescribeDirectories",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "DsReadDirectory"
        "Effect" = "Allow"
        "Action" = [
          "ds:ListTagsForResource",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:ds:*:*:directory/*"
      },
      {
        "Sid"    = "DynamodbReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "dynamodb:ListTables",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "DynamodbReadStreamTable"
        "Effect" = "Allow"
        "Action" = [
          "dynamodb:ListTagsOfResource",
        ]
        "Resource" = [
          "arn:${data.aws_partition.current.partition}:dynamodb:*:*:table/*",
          "arn:${data.aws_partition.current.partition}:dynamodb:*:*:table/*/stream/*",
        ]
      },
    ]
  })
}

resource "aws_iam_policy" "inventory_2" {
  name_prefix = "${var.role_name}-"
  description = "aws-integration read-only inventory access (2 of 4)"
  policy = jsonencode({
    "Version" = "2012-10-17"
    "Statement" = [
      {
        "Sid"    = "DynamodbReadTable"
        "Effect" = "Allow"
        "Action" = [
          "dynamodb:DescribeContinuousBackups",
          "dynamodb:DescribeTable",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:dynamodb:*:*:table/*"
      },
      {
        "Sid"    = "Ec2ReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "ec2:DescribeAddresses",
          "ec2:DescribeCapacityReservations",
          "ec2:DescribeCustomerGateways",
          "ec2:DescribeFlowLogs",
          "ec2:DescribeHosts",
          "ec2:DescribeImages",
          "ec2:DescribeInstances",
          "ec2:DescribeInternetGateways",
          "ec2:DescribeKeyPairs",
          "ec2:DescribeLaunchTemplates",
          "ec2:DescribeNatGateways",
          "ec2:DescribeNetworkAcls",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribePlacementGroups",
          "ec2:DescribeRegions",
          "ec2:DescribeRouteTables",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSnapshots",
          "ec2:DescribeSubnets",
          "ec2:DescribeTransitGatewayAttachments",
          "ec2:DescribeTransitGateways",
          "ec2:DescribeVolumes",
          "ec2:DescribeVpcEndpoints",
          "ec2:DescribeVpcPeeringConnections",
          "ec2:DescribeVpcs",
          "ec2:DescribeVpnConnections",
          "ec2:DescribeVpnGateways",
          "ec2:GetEbsDefaultKmsKeyId",
          "ec2:GetEbsEncryptionByDefault",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "Ec2ReadImage"
        "Effect" = "Allow"
        "Action" = [
          "ec2:DescribeImageAttribute",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:ec2:*::image/*"
      },
      {
        "Sid"    = "Ec2ReadSnapshot"
        "Effect" = "Allow"
        "Action" = [
          "ec2:DescribeSnapshotAttribute",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:ec2:*::snapshot/*"
      },
      {
        "Sid"    = "EcrReadRepository"
        "Effect" = "Allow"
        "Action" = [
          "ecr:DescribeRepositories",
          "ecr:ListTagsForResource",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:ecr:*:*:repository/*"
      },
      {
        "Sid"    = "EcsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "ecs:DescribeTaskDefinition",
          "ecs:ListClusters",
          "ecs:ListServices",
          "ecs:ListTaskDefinitions",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "EcsReadCluster"
        "Effect" = "Allow"
        "Action" = [
          "ecs:DescribeClusters",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:ecs:*:*:cluster/*"
      },
      {
        "Sid"    = "EcsReadService"
        "Effect" = "Allow"
        "Action" = [
          "ecs:DescribeServices",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:ecs:*:*:service/*/*"
      },
      {
        "Sid"    = "EksReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "eks:ListClusters",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "EksReadCluster"
        "Effect" = "Allow"
        "Action" = [
          "eks:DescribeCluster",
          "eks:ListNodegroups",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:eks:*:*:cluster/*"
      },
      {
        "Sid"    = "EksReadNodegroup"
        "Effect" = "Allow"
        "Action" = [
          "eks:DescribeNodegroup",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:eks:*:*:nodegroup/*/*/*"
      },
      {
        "Sid"    = "ElasticacheReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "elasticache:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "ElasticacheReadCluster"
        "Effect" = "Allow"
        "Action" = [
          "elasticache:DescribeCacheClusters",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:elasticache:*:*:cluster:*"
      },
      {
        "Sid"    = "ElasticacheReadReplicationgroup"
        "Effect" = "Allow"
        "Action" = [
          "elasticache:DescribeReplicationGroups",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:elasticache:*:*:replicationgroup:*"
      },
      {
        "Sid"    = "ElasticbeanstalkReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "elasticbeanstalk:DescribeApplications",
          "elasticbeanstalk:DescribeEnvironments",
          "elasticbeanstalk:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "ElasticfilesystemReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "elasticfilesystem:DescribeFileSystemPolicy",
          "elasticfilesystem:DescribeFileSystems",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "ElasticloadbalancingReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "elasticloadbalancing:DescribeListeners",
          "elasticloadbalancing:DescribeLoadBalancers",
          "elasticloadbalancing:DescribeTags",
          "elasticloadbalancing:DescribeTargetGroups",
          "elasticloadbalancing:DescribeTargetHealth",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "ElasticmapreduceReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "elasticmapreduce:ListClusters",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "ElasticmapreduceReadCluster"
        "Effect" = "Allow"
        "Action" = [
          "elasticmapreduce:DescribeCluster",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:elasticmapreduce:*:*:cluster/*"
      },
      {
        "Sid"    = "EsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "es:ListDomainNames",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "EsReadApplicationDatasourceDomain"
        "Effect" = "Allow"
        "Action" = [
          "es:ListTags",
        ]
        "Resource" = [
          "arn:${data.aws_partition.current.partition}:es:*:*:domain/*",
          "arn:${data.aws_partition.current.partition}:opensearch:*:*:application/*",
          "arn:${data.aws_partition.current.partition}:opensearch:*:*:datasource/*",
        ]
      },
      {
        "Sid"    = "EsReadDomain"
        "Effect" = "Allow"
        "Action" = [
          "es:DescribeDomains",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:es:*:*:domain/*"
      },
      {
        "Sid"    = "EventsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "events:ListEventBuses",
          "events:ListRules",
          "events:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "FirehoseReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "firehose:ListDeliveryStreams",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "FirehoseReadDeliverystream"
        "Effect" = "Allow"
        "Action" = [
          "firehose:DescribeDeliveryStream",
          "firehose:ListTagsForDeliveryStream",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:firehose:*:*:deliverystream/*"
      },
      {
        "Sid"    = "GlueReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "glue:GetCrawlers",
          "glue:GetJobs",
          "glue:GetTags",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "GlueReadDatabaseRootcatalog"
        "Effect" = "Allow"
        "Action" = [
          "glue:GetDatabases",
        ]
        "Resource" = [
          "arn:${data.aws_partition.current.partition}:glue:*:*:catalog",
          "arn:${data.aws_partition.current.partition}:glue:*:*:database/*",
        ]
      },
      {
        "Sid"    = "GuarddutyReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "guardduty:GetFindings",
          "guardduty:ListDetectors",
          "guardduty:ListFindings",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "GuarddutyReadDetector"
        "Effect" = "Allow"
        "Action" = [
          "guardduty:GetDetector",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:guardduty:*:*:detector/*"
      },
      {
        "Sid"    = "IamReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "iam:GenerateCredentialReport",
          "iam:GetAccountAuthorizationDetails",
          "iam:GetAccountPasswordPolicy",
          "iam:GetAccountSummary",
          "iam:GetCredentialReport",
          "iam:ListAccountAliases",
          "iam:ListGroups",
          "iam:ListInstanceProfiles",
          "iam:ListMFADevices",
          "iam:ListOpenIDConnectProviders",
          "iam:ListPolicies",
          "iam:ListRoles",
          "iam:ListSAMLProviders",
          "iam:ListUsers",
          "iam:ListVirtualMFADevices",
        ]
        "Resource" = "*"
      },
    ]
  })
}

resource "aws_iam_policy" "inventory_3" {
  name_prefix = "${var.role_name}-"
  description = "aws-integration read-only inventory access (3 of 4)"
  policy = jsonencode({
    "Version" = "2012-10-17"
    "Statement" = [
      {
        "Sid"    = "IamReadGroup"
        "Effect" = "Allow"
        "Action" = [
          "iam:GetGroup",
          "iam:GetGroupPolicy",
          "iam:ListAttachedGroupPolicies",
          "iam:ListGroupPolicies",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:iam::*:group/*"
      },
      {
        "Sid"    = "IamReadOidcProvider"
        "Effect" = "Allow"
        "Action" = [
          "iam:GetOpenIDConnectProvider",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:iam::*:oidc-provider/*"
      },
      {
        "Sid"    = "IamReadPolicy"
        "Effect" = "Allow"
        "Action" = [
          "iam:GetPolicy",
          "iam:GetPolicyVersion",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:iam::*:policy/*"
      },
      {
        "Sid"    = "IamReadRole"
        "Effect" = "Allow"
        "Action" = [
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListAttachedRolePolicies",
          "iam:ListRolePolicies",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:iam::*:role/*"
      },
      {
        "Sid"    = "IamReadUser"
        "Effect" = "Allow"
        "Action" = [
          "iam:GetAccessKeyLastUsed",
          "iam:GetUser",
          "iam:GetUserPolicy",
          "iam:ListAccessKeys",
          "iam:ListAttachedUserPolicies",
          "iam:ListGroupsForUser",
          "iam:ListUserPolicies",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:iam::*:user/*"
      },
      {
        "Sid"    = "Inspector2ReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "inspector2:BatchGetAccountStatus",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "KafkaReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "kafka:ListClustersV2",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "KinesisReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "kinesis:ListStreams",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "KinesisReadStream"
        "Effect" = "Allow"
        "Action" = [
          "kinesis:DescribeStreamSummary",
          "kinesis:ListTagsForStream",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:kinesis:*:*:stream/*"
      },
      {
        "Sid"    = "KmsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "kms:ListKeys",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "KmsReadKey"
        "Effect" = "Allow"
        "Action" = [
          "kms:DescribeKey",
          "kms:GetKeyRotationStatus",
          "kms:ListResourceTags",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:kms:*:*:key/*"
      },
      {
        "Sid"    = "LambdaReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "lambda:ListEventSourceMappings",
          "lambda:ListFunctions",
          "lambda:ListTags",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "LightsailReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "lightsail:GetInstances",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "LogsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "logs:DescribeLogGroups",
          "logs:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "Macie2ReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "macie2:GetMacieSession",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "MqReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "mq:ListBrokers",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "MqReadBrokers"
        "Effect" = "Allow"
        "Action" = [
          "mq:DescribeBroker",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:mq:*:*:broker:*:*"
      },
      {
        "Sid"    = "OrganizationsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "organizations:DescribeOrganization",
          "organizations:ListAccounts",
          "organizations:ListAccountsForParent",
          "organizations:ListOrganizationalUnitsForParent",
          "organizations:ListPolicies",
          "organizations:ListRoots",
          "organizations:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "OrganizationsReadAccount"
        "Effect" = "Allow"
        "Action" = [
          "organizations:DescribeAccount",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:organizations::*:account/o-*/*"
      },
      {
        "Sid"    = "OrganizationsReadPolicy"
        "Effect" = "Allow"
        "Action" = [
          "organizations:DescribePolicy",
          "organizations:ListTargetsForPolicy",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:organizations::*:policy/o-*/*/p-*"
      },
      {
        "Sid"    = "RdsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "rds:DescribeDBClusters",
          "rds:DescribeDBClusterSnapshots",
          "rds:DescribeDBInstances",
          "rds:DescribeDBSnapshots",
          "rds:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "RdsReadClusterSnapshot"
        "Effect" = "Allow"
        "Action" = [
          "rds:DescribeDBClusterSnapshotAttributes",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:rds:*:*:cluster-snapshot:*"
      },
      {
        "Sid"    = "RdsReadSnapshot"
        "Effect" = "Allow"
        "Action" = [
          "rds:DescribeDBSnapshotAttributes",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:rds:*:*:snapshot:*"
      },
      {
        "Sid"    = "RedshiftReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "redshift:DescribeClusters",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "Route53ReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "route53:ListHealthChecks",
          "route53:ListHostedZones",
          "route53:ListTagsForResource",
          "route53:ListTagsForResources",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "Route53resolverReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "route53resolver:ListResolverEndpoints",
          "route53resolver:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "S3ReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "s3:GetAccountPublicAccessBlock",
          "s3:GetBucketAcl",
          "s3:GetBucketLocation",
          "s3:GetBucketPolicy",
          "s3:ListAllMyBuckets",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "S3ReadBucket"
        "Effect" = "Allow"
        "Action" = [
          "s3:GetBucketPolicyStatus",
          "s3:GetBucketPublicAccessBlock",
          "s3:GetBucketTagging",
          "s3:GetBucketVersioning",
          "s3:GetEncryptionConfiguration",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:s3:::*"
      },
      {
        "Sid"    = "SagemakerReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "sagemaker:ListEndpoints",
          "sagemaker:ListModels",
          "sagemaker:ListNotebookInstances",
          "sagemaker:ListTags",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "SagemakerReadEndpoint"
        "Effect" = "Allow"
        "Action" = [
          "sagemaker:DescribeEndpoint",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:sagemaker:*:*:endpoint/*"
      },
      {
        "Sid"    = "SagemakerReadEndpointConfig"
        "Effect" = "Allow"
        "Action" = [
          "sagemaker:DescribeEndpointConfig",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:sagemaker:*:*:endpoint-config/*"
      },
      {
        "Sid"    = "SagemakerReadModel"
        "Effect" = "Allow"
        "Action" = [
          "sagemaker:DescribeModel",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:sagemaker:*:*:model/*"
      },
      {
        "Sid"    = "SagemakerReadNotebookInstance"
        "Effect" = "Allow"
        "Action" = [
          "sagemaker:DescribeNotebookInstance",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:sagemaker:*:*:notebook-instance/*"
      },
      {
        "Sid"    = "SecretsmanagerReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "secretsmanager:ListSecrets",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "SecurityhubReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "securityhub:DescribeHub",
          "securityhub:GetEnabledStandards",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "SesReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "ses:ListEmailIdentities",
        ]
        "Resource" = "*"
      },
    ]
  })
}

resource "aws_iam_policy" "inventory_4" {
  name_prefix = "${var.role_name}-"
  description = "aws-integration read-only inventory access (4 of 4)"
  policy = jsonencode({
    "Version" = "2012-10-17"
    "Statement" = [
      {
        "Sid"    = "SesReadIdentity"
        "Effect" = "Allow"
        "Action" = [
          "ses:GetEmailIdentity",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:ses:*:*:identity/*"
      },
      {
        "Sid"    = "ShieldReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "shield:ListProtections",
          "shield:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "SnsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "sns:ListSubscriptions",
          "sns:ListTagsForResource",
          "sns:ListTopics",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "SnsReadTopic"
        "Effect" = "Allow"
        "Action" = [
          "sns:GetTopicAttributes",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:sns:*:*:*"
      },
      {
        "Sid"    = "SqsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "sqs:ListQueues",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "SqsReadQueue"
        "Effect" = "Allow"
        "Action" = [
          "sqs:GetQueueAttributes",
          "sqs:ListQueueTags",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:sqs:*:*:*"
      },
      {
        "Sid"    = "SsmReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "ssm:DescribeInstanceInformation",
          "ssm:DescribeParameters",
          "ssm:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "StatesReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "states:ListStateMachines",
          "states:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "StatesReadStatemachine"
        "Effect" = "Allow"
        "Action" = [
          "states:DescribeStateMachine",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:states:*:*:stateMachine:*"
      },
      {
        "Sid"    = "StsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "sts:GetCallerIdentity",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "TransferReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "transfer:ListServers",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "TransferReadServer"
        "Effect" = "Allow"
        "Action" = [
          "transfer:DescribeServer",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:transfer:*:*:server/*"
      },
      {
        "Sid"    = "Wafv2ReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "wafv2:ListTagsForResource",
          "wafv2:ListWebACLs",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "Wafv2ReadWebacl"
        "Effect" = "Allow"
        "Action" = [
          "wafv2:GetWebACL",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:wafv2:*:*:*/webacl/*/*"
      },
    ]
  })
}

resource "aws_iam_role" "inventory" {
  name                 = var.role_name
  description          = "Read-only role for the aws-integration asset inventory"
  max_session_duration = 3600
  assume_role_policy = jsonencode({
    "Version" = "2012-10-17"
    "Statement" = [
      {
        "Effect" = "Allow"
        "Principal" = {
          "AWS" = "${var.trusted_principal}"
        }
        "Action" = "sts:AssumeRole"
        "Condition" = {
          "StringEquals" = {
            "sts:ExternalId" = "${var.external_id}"
          }
        }
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "inventory_1" {
  role       = aws_iam_role.inventory.name
  policy_arn = aws_iam_policy.inventory_1.arn
}

resource "aws_iam_role_policy_attachment" "inventory_2" {
  role       = aws_iam_role.inventory.name
  policy_arn = aws_iam_policy.inventory_2.arn
}

resource "aws_iam_role_policy_attachment" "inventory_3" {
  role       = aws_iam_role.inventory.name
  policy_arn = aws_iam_policy.inventory_3.arn
}

resource "aws_iam_role_policy_attachment" "inventory_4" {
  role       = aws_iam_role.inventory.name
  policy_arn = aws_iam_policy.inventory_4.arn
}

output "role_arn" {
  description = "Give this ARN to aws-integration"
  value       = aws_iam_role.inventory.arn
}
