//! The cache subnet group over the stack's private subnets, shared by its Redis groups.

use aws_sdk_elasticache::Client;

use super::cache_tags;
use crate::providers::AwsError;
use crate::providers::common::{changed, opt_str, sorted_list, str_attr, str_list};
use crate::resource::{Attrs, LiveResource, Value};

pub(super) async fn describe(client: &Client) -> Result<Vec<LiveResource>, AwsError> {
    let groups: Vec<_> = client
        .describe_cache_subnet_groups()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| AwsError::from_sdk("DescribeCacheSubnetGroups", e))?;
    Ok(groups
        .iter()
        .map(|g| {
            let name = g.cache_subnet_group_name().unwrap_or_default();
            LiveResource {
                id: name.to_owned(),
                attrs: Attrs::from([
                    ("name".into(), Value::str(name)),
                    ("description".into(), opt_str(g.cache_subnet_group_description())),
                    ("subnet_ids".into(), sorted_list(g.subnets().iter().filter_map(|s| s.subnet_identifier()))),
                ]),
                ready: true,
                outputs: Attrs::from([("name".into(), Value::str(name))]),
            }
        })
        .collect())
}

pub(super) async fn create(client: &Client, attrs: &Attrs) -> Result<String, AwsError> {
    let name = str_attr(attrs, "name").unwrap_or_default();
    client
        .create_cache_subnet_group()
        .cache_subnet_group_name(name)
        .cache_subnet_group_description(str_attr(attrs, "description").unwrap_or(name))
        .set_subnet_ids(Some(str_list(attrs, "subnet_ids")))
        .set_tags(Some(cache_tags(attrs)))
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("CreateCacheSubnetGroup", e))?;
    Ok(name.to_owned())
}

pub(super) async fn update(client: &Client, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
    if changed(before, after, "description") || changed(before, after, "subnet_ids") {
        client
            .modify_cache_subnet_group()
            .cache_subnet_group_name(id)
            .set_cache_subnet_group_description(str_attr(after, "description").map(str::to_owned))
            .set_subnet_ids(Some(str_list(after, "subnet_ids")))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ModifyCacheSubnetGroup", e))?;
    }
    Ok(())
}

pub(super) async fn delete(client: &Client, id: &str) -> Result<(), AwsError> {
    client
        .delete_cache_subnet_group()
        .cache_subnet_group_name(id)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("DeleteCacheSubnetGroup", e))?;
    Ok(())
}
