//! The DB subnet group over the stack's private subnets, shared by its PostgreSQL instances
//! and Aurora clusters. DescribeDBSubnetGroups returns no tags: they are read per group.

use async_trait::async_trait;
use platformctl_core::kinds::db_subnet_group::{ARN, DESCRIPTION, NAME, SUBNET_IDS, TAGS, out};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use super::{rds_tags, retag};
use crate::common::{opt_str, sorted_list, tags_from_pairs};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct SubnetGroup;

#[async_trait]
impl Provider for SubnetGroup {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let groups: Vec<_> = aws
            .rds
            .describe_db_subnet_groups()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .aws("DescribeDBSubnetGroups")?;
        let mut found = Vec::new();
        for g in &groups {
            let name = g.db_subnet_group_name().unwrap_or_default();
            if !requests.iter().any(|r| r.id.as_deref() == Some(name)) {
                continue;
            }
            let arn = g.db_subnet_group_arn().unwrap_or_default();
            let tags = aws.rds.list_tags_for_resource().resource_name(arn).send().await.aws("ListTagsForResource")?;
            found.push(LiveResource {
                id: name.to_owned(),
                attrs: Attrs::from([
                    NAME.to(name),
                    DESCRIPTION.to(opt_str(g.db_subnet_group_description())),
                    SUBNET_IDS.to(sorted_list(g.subnets().iter().filter_map(|s| s.subnet_identifier()))),
                    TAGS.to(tags_from_pairs(tags.tag_list().iter().map(|t| (t.key(), t.value())))),
                    ARN.to(arn),
                ]),
                ready: true,
                outputs: Attrs::from([out::NAME.to(name), out::ARN.to(arn)]),
            });
        }
        Ok(crate::common::pair_by_id(requests, found))
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let name = NAME.str(new.attrs).unwrap_or_default();
        aws.rds
            .create_db_subnet_group()
            .db_subnet_group_name(name)
            .db_subnet_group_description(DESCRIPTION.str(new.attrs).unwrap_or(name))
            .set_subnet_ids(Some(SUBNET_IDS.strings(new.attrs)))
            .set_tags(Some(rds_tags(new.attrs)))
            .send()
            .await
            .aws("CreateDBSubnetGroup")?;
        Ok(name.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if DESCRIPTION.changed(before, after) || SUBNET_IDS.changed(before, after) {
            aws.rds
                .modify_db_subnet_group()
                .db_subnet_group_name(id)
                .set_db_subnet_group_description(DESCRIPTION.str(after).map(str::to_owned))
                .set_subnet_ids(Some(SUBNET_IDS.strings(after)))
                .send()
                .await
                .aws("ModifyDBSubnetGroup")?;
        }
        retag(aws, before, after).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.rds.delete_db_subnet_group().db_subnet_group_name(id).send().await.aws("DeleteDBSubnetGroup")?;
        Ok(())
    }
}
