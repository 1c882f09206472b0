# The Terraform twin of ../../data.yaml, for checkov (tests/checkov_oracle.rs): the same
# values, as the AWS provider spells them. Never applied.
resource "aws_db_instance" "users" {
  identifier              = "checks-data-users"
  engine                  = "postgres"
  engine_version          = "16.4"
  instance_class          = "db.t4g.medium"
  allocated_storage       = 20
  multi_az                = false
  storage_encrypted       = false
  deletion_protection     = false
  backup_retention_period = 0
  skip_final_snapshot     = true
  publicly_accessible     = false
  auto_minor_version_upgrade = false
  db_name                 = "users"
  username                = "app"
  password                = var.db_master
}

resource "aws_rds_cluster" "orders" {
  cluster_identifier          = "checks-data-orders"
  engine                      = "aurora-postgresql"
  engine_version              = "16.8"
  storage_encrypted           = false
  deletion_protection         = false
  backup_retention_period     = 7
  database_name               = "orders"
  master_username             = "app"
  manage_master_user_password = true
}

resource "aws_rds_cluster_instance" "orders" {
  count              = 2
  identifier         = "checks-data-orders-${count.index + 1}"
  cluster_identifier = aws_rds_cluster.orders.id
  engine             = "aurora-postgresql"
  instance_class     = "db.r6g.large"
}

resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "checks-data-sessions"
  description                = "sessions"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = 1
  automatic_failover_enabled = false
  transit_encryption_enabled = false
  at_rest_encryption_enabled = false
  snapshot_retention_limit   = 0
}

resource "aws_kms_key" "data" {
  description         = "data tier"
  enable_key_rotation = false
}

resource "aws_sns_topic" "oncall" {
  name = "checks-data-oncall"
}

resource "aws_secretsmanager_secret" "db_master" {
  name = "checks-data/db-master"
}

variable "db_master" {
  type      = string
  sensitive = true
}
