# The Terraform twin of ../../iam.yaml's service account roles, for checkov
# (tests/checkov_oracle.rs): each role with its policy file as an inline policy.

resource "aws_iam_role" "admin" {
  name               = "checks-iam-main-sa-admin"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE" } }] })
}

resource "aws_iam_role_policy" "admin" {
  name   = "policy-file"
  role   = aws_iam_role.admin.id
  policy = <<POLICY
{ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*" }] }
POLICY
}

resource "aws_iam_role" "deployer" {
  name               = "checks-iam-main-sa-deployer"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE" } }] })
}

resource "aws_iam_role_policy" "deployer" {
  name   = "policy-file"
  role   = aws_iam_role.deployer.id
  policy = <<POLICY
{ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": ["iam:PassRole", "iam:AttachRolePolicy"], "Resource": "*" }] }
POLICY
}

resource "aws_iam_role" "uploader" {
  name               = "checks-iam-main-sa-uploader"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE" } }] })
}

resource "aws_iam_role_policy" "uploader" {
  name   = "policy-file"
  role   = aws_iam_role.uploader.id
  policy = <<POLICY
{ "Version": "2012-10-17", "Statement": [{ "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "*" }] }
POLICY
}

resource "aws_iam_role" "backup" {
  name               = "checks-iam-main-sa-backup"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE" } }] })
}

resource "aws_iam_role_policy_attachment" "backup" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
}
