//! The DB subnet group over the stack's private subnets, shared by its PostgreSQL instances
//! and Aurora clusters. DescribeDBSubnetGroups returns no tags: they are read per group.

use aws_sdk_rds::Client;

use super::rds_tags;
use crate::providers::common::{changed, opt_str, sorted_list, str_attr, str_list, tags_from_pairs};
use crate::providers::{AwsError, ReadRequest};
use crate::resource::{Attrs, LiveResource, Value};

pub(super) async fn describe(rds: &Client, requests: &[ReadRequest]) -> Result<Vec<LiveResource>, AwsError> {
    let groups: Vec<_> = rds
        .describe_db_subnet_groups()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeDBSubnetGroups", e))?;
    let mut out = Vec::new();
    for g in &groups {
        let name = g.db_subnet_group_name().unwrap_or_default();
        let wanted = requests.iter().any(|r| r.id.as_deref().or(str_attr(&r.attrs, "name")) == Some(name));
        if !wanted {
            continue;
        }
        let arn = g.db_subnet_group_arn().unwrap_or_default();
        let tags = rds
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListTagsForResource", e))?;
        out.push(LiveResource {
            id: name.to_owned(),
            attrs: Attrs::from([
                ("name".into(), Value::str(name)),
                ("description".into(), opt_str(g.db_subnet_group_description())),
                ("subnet_ids".into(), sorted_list(g.subnets().iter().filter_map(|s| s.subnet_identifier()))),
                ("tags".into(), tags_from_pairs(tags.tag_list().iter().map(|t| (t.key(), t.value())))),
                ("arn".into(), Value::str(arn)),
            ]),
            ready: true,
            outputs: Attrs::from([("name".into(), Value::str(name)), ("arn".into(), Value::str(arn))]),
        });
    }
    Ok(out)
}

pub(super) async fn create(rds: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let name = str_attr(attrs, "name").unwrap_or_default();
    rds.create_db_subnet_group()
        .db_subnet_group_name(name)
        .db_subnet_group_description(str_attr(attrs, "description").unwrap_or(name))
        .set_subnet_ids(Some(str_list(attrs, "subnet_ids")))
        .set_tags(Some(rds_tags(attrs)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateDBSubnetGroup", e))?;
    Ok(name.to_owned())
}

pub(super) async fn update(rds: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if changed(before, after, "description") || changed(before, after, "subnet_ids") {
        rds.modify_db_subnet_group()
            .db_subnet_group_name(id)
            .set_db_subnet_group_description(str_attr(after, "description").map(str::to_owned))
            .set_subnet_ids(Some(str_list(after, "subnet_ids")))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ModifyDBSubnetGroup", e))?;
    }
    Ok(())
}

pub(super) async fn delete(rds: &Client, id: &str) -> Result<(), AwsError> {
    rds.delete_db_subnet_group()
        .db_subnet_group_name(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteDBSubnetGroup", e))?;
    Ok(())
}
