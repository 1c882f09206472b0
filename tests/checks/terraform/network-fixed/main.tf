# The Terraform twin of ../../network-fixed.yaml.
resource "aws_vpc" "main" {
  cidr_block = "10.72.0.0/16"
}

# platformctl's `network.flow_logs`: all traffic to a log group, through a role.
resource "aws_cloudwatch_log_group" "flow_logs" {
  name              = "/platformctl/checks-network/vpc-flow-logs"
  retention_in_days = 365
}

resource "aws_flow_log" "vpc" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.flow_logs.arn
  iam_role_arn    = "arn:aws:iam::123456789012:role/checks-network-vpc-flow-logs"
}

# platformctl's `network.default_security_group`: no rule left.
resource "aws_default_security_group" "default" {
  vpc_id = aws_vpc.main.id
}

resource "aws_security_group" "bastion" {
  name        = "checks-network-bastion"
  description = "SSH from the office"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol    = "tcp"
    from_port   = 22
    to_port     = 22
    cidr_blocks = ["203.0.113.0/24"]
  }
}

resource "aws_security_group" "windows" {
  name        = "checks-network-windows"
  description = "RDP from the office"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol    = "tcp"
    from_port   = 3389
    to_port     = 3389
    cidr_blocks = ["203.0.113.0/24"]
  }
}

resource "aws_security_group" "web" {
  name        = "checks-network-web"
  description = "HTTPS from anywhere"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol    = "tcp"
    from_port   = 443
    to_port     = 443
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group" "wide_open" {
  name        = "checks-network-wide-open"
  description = "Everything from the web tier"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol        = "-1"
    from_port       = 0
    to_port         = 0
    security_groups = [aws_security_group.web.id]
  }
}

resource "aws_security_group" "database" {
  name        = "checks-network-database"
  description = "Postgres from the private subnets"
  vpc_id      = aws_vpc.main.id
  ingress {
    protocol    = "tcp"
    from_port   = 5432
    to_port     = 5432
    cidr_blocks = ["10.72.128.0/18", "10.72.192.0/18"]
  }
}
