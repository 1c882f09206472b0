//! The cache subnet group over the stack's private subnets, shared by its Redis groups.

use async_trait::async_trait;
use platformctl_core::kinds::cache_subnet_group::{DESCRIPTION, NAME, SUBNET_IDS, out};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::cache_tags;
use crate::common::{opt_str, sorted_list};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct SubnetGroup;

#[async_trait]
impl Provider for SubnetGroup {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let groups: Vec<_> = aws
            .elasticache
            .describe_cache_subnet_groups()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .aws("DescribeCacheSubnetGroups")?;
        let found = groups
            .iter()
            .map(|g| {
                let name = g.cache_subnet_group_name().unwrap_or_default();
                LiveResource {
                    id: name.to_owned(),
                    attrs: Attrs::from([
                        NAME.to(name),
                        DESCRIPTION.to(opt_str(g.cache_subnet_group_description())),
                        SUBNET_IDS.to(sorted_list(g.subnets().iter().filter_map(|s| s.subnet_identifier()))),
                    ]),
                    ready: true,
                    outputs: Attrs::from([out::NAME.to(name)]),
                }
            })
            .collect();
        Ok(crate::common::pair_by_id(requests, found))
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let name = NAME.str(new.attrs).unwrap_or_default();
        aws.elasticache
            .create_cache_subnet_group()
            .cache_subnet_group_name(name)
            .cache_subnet_group_description(DESCRIPTION.str(new.attrs).unwrap_or(name))
            .set_subnet_ids(Some(SUBNET_IDS.strings(new.attrs)))
            .set_tags(Some(cache_tags(new.attrs)))
            .send()
            .await
            .aws("CreateCacheSubnetGroup")?;
        Ok(name.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, _: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        aws.elasticache
            .modify_cache_subnet_group()
            .cache_subnet_group_name(id)
            .set_cache_subnet_group_description(DESCRIPTION.str(after).map(str::to_owned))
            .set_subnet_ids(Some(SUBNET_IDS.strings(after)))
            .send()
            .await
            .aws("ModifyCacheSubnetGroup")?;
        Ok(())
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.elasticache
            .delete_cache_subnet_group()
            .cache_subnet_group_name(id)
            .send()
            .await
            .aws("DeleteCacheSubnetGroup")?;
        Ok(())
    }
}
