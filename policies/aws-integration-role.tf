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
  description = "aws-integration read-only inventory access (1 of 1)"
  policy = jsonencode({
    "Version" = "2012-10-17"
    "Statement" = [
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
          "ec2:DescribeInstances",
          "ec2:DescribeInternetGateways",
          "ec2:DescribeNatGateways",
          "ec2:DescribeNetworkAcls",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeRegions",
          "ec2:DescribeRouteTables",
          "ec2:DescribeSecurityGroups",
          "ec2:DescribeSubnets",
          "ec2:DescribeVolumes",
          "ec2:DescribeVpcs",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "IamReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "iam:ListAccountAliases",
          "iam:ListGroups",
          "iam:ListPolicies",
          "iam:ListRoles",
          "iam:ListUsers",
        ]
        "Resource" = "*"
      },
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
          "iam:ListRoleTags",
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
          "iam:ListUserTags",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:iam::*:user/*"
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
          "lambda:ListFunctions",
          "lambda:ListTags",
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
        "Sid"    = "OrganizationsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "organizations:ListAccounts",
          "organizations:ListTagsForResource",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "RdsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "rds:DescribeDBClusters",
          "rds:DescribeDBInstances",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "S3ReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "s3:GetBucketLocation",
          "s3:ListAllMyBuckets",
        ]
        "Resource" = "*"
      },
      {
        "Sid"    = "S3ReadBucket"
        "Effect" = "Allow"
        "Action" = [
          "s3:GetBucketPublicAccessBlock",
          "s3:GetBucketTagging",
          "s3:GetBucketVersioning",
          "s3:GetEncryptionConfiguration",
        ]
        "Resource" = "arn:${data.aws_partition.current.partition}:s3:::*"
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
        "Sid"    = "SnsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
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
        "Sid"    = "StsReadAnyResource"
        "Effect" = "Allow"
        "Action" = [
          "sts:GetCallerIdentity",
        ]
        "Resource" = "*"
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

output "role_arn" {
  description = "Give this ARN to aws-integration"
  value       = aws_iam_role.inventory.arn
}
