# The Terraform twin of ../../data-fixed.yaml (platformctl's defaults written out).
resource "aws_db_instance" "users" {
  identifier              = "checks-data-users"
  engine                  = "postgres"
  engine_version          = "16.4"
  instance_class          = "db.t4g.medium"
  allocated_storage       = 20
  multi_az                = true
  storage_encrypted       = true
  deletion_protection     = true
  backup_retention_period = 7
  skip_final_snapshot     = false
  publicly_accessible     = false
  iam_database_authentication_enabled = true
  performance_insights_enabled        = true
  monitoring_interval                 = 60
  monitoring_role_arn                 = "arn:aws:iam::123456789012:role/checks-data-rds-monitoring"
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
  auto_minor_version_upgrade          = true
  db_name                 = "users"
  username                = "app"
  password                = var.db_master
}

resource "aws_rds_cluster" "orders" {
  cluster_identifier          = "checks-data-orders"
  engine                      = "aurora-postgresql"
  engine_version              = "16.8"
  storage_encrypted           = true
  deletion_protection         = true
  backup_retention_period     = 7
  database_name               = "orders"
  master_username             = "app"
  manage_master_user_password = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]
}

resource "aws_rds_cluster_instance" "orders" {
  count                        = 2
  identifier                   = "checks-data-orders-${count.index + 1}"
  cluster_identifier           = aws_rds_cluster.orders.id
  engine                       = "aurora-postgresql"
  instance_class               = "db.r6g.large"
  performance_insights_enabled = true
  monitoring_interval          = 60
  monitoring_role_arn          = "arn:aws:iam::123456789012:role/checks-data-rds-monitoring"
  auto_minor_version_upgrade   = true
}

resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "checks-data-sessions"
  description                = "sessions"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  auth_token                 = var.redis_auth
  snapshot_retention_limit   = 7
}

# The stack skips CKV2_AWS_57 for its secrets, with its reason; checkov, the same way.
resource "aws_kms_key" "data" {
  description         = "data tier"
  enable_key_rotation = true
}

resource "aws_kms_alias" "data" {
  name          = "alias/checks-data"
  target_key_id = aws_kms_key.data.key_id
}

resource "aws_sns_topic" "oncall" {
  name              = "checks-data-oncall"
  kms_master_key_id = aws_kms_key.data.arn
}

resource "aws_secretsmanager_secret" "db_master" {
  # checkov:skip=CKV2_AWS_57:rotated by the quarterly credential runbook
  name = "checks-data/db-master"
}

resource "aws_secretsmanager_secret" "redis_auth" {
  # checkov:skip=CKV2_AWS_57:rotated by the quarterly credential runbook
  name = "checks-data/redis-auth"
}

variable "db_master" {
  type      = string
  sensitive = true
}

variable "redis_auth" {
  type      = string
  sensitive = true
}
