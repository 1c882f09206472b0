# The Terraform twin of ../../compute-fixed.yaml (platformctl's defaults written out).
resource "aws_eks_cluster" "main" {
  name                      = "checks-compute-main"
  role_arn                  = "arn:aws:iam::123456789012:role/checks-compute-main-cluster"
  version                   = "1.33"
  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  vpc_config {
    subnet_ids              = ["subnet-0a", "subnet-0b"]
    endpoint_public_access  = false
    endpoint_private_access = true
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = "arn:aws:kms:eu-west-1:123456789012:alias/eks-secrets"
    }
  }
}

resource "aws_cloudwatch_log_group" "main" {
  name              = "/aws/eks/checks-compute-main/cluster"
  retention_in_days = 365
}

resource "aws_ecr_repository" "app" {
  name                 = "app"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/checks/app"
  retention_in_days = 365
}
