# The Terraform twin of ../../compute.yaml, for checkov (tests/checkov_oracle.rs).
resource "aws_eks_cluster" "main" {
  name                      = "checks-compute-main"
  role_arn                  = "arn:aws:iam::123456789012:role/checks-compute-main-cluster"
  version                   = "1.28"
  enabled_cluster_log_types = ["api"]
  vpc_config {
    subnet_ids              = ["subnet-0a", "subnet-0b"]
    endpoint_public_access  = true
    endpoint_private_access = true
    public_access_cidrs     = ["0.0.0.0/0"]
  }
}

resource "aws_cloudwatch_log_group" "main" {
  name              = "/aws/eks/checks-compute-main/cluster"
  retention_in_days = 30
}

resource "aws_ecr_repository" "app" {
  name                 = "app"
  image_tag_mutability = "MUTABLE"
  image_scanning_configuration {
    scan_on_push = false
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name = "/checks/app"
}
