//! KMS aliases: all of the account's listed once (ListAliases, paginated) and ours picked by
//! name; created, pointed at another key (UpdateAlias) and deleted by name.

use async_trait::async_trait;
use platformctl_core::kinds::kms_alias::{NAME, TARGET_KEY};
use platformctl_core::resource::{Address, Attrs, LiveResource, Observed};

use crate::common::{opt_str, pair_by_id};
use crate::error::SdkResultExt;
use crate::registry::{NewResource, Provider};
use crate::{Aws, AwsError, ReadRequest};

pub(crate) struct Alias;

#[async_trait]
impl Provider for Alias {
    async fn read(&self, aws: &Aws, requests: &[ReadRequest]) -> Result<Vec<(Address, Observed)>, AwsError> {
        let mut found = Vec::new();
        let mut pages = aws.kms.list_aliases().into_paginator().items().send();
        while let Some(alias) = pages.next().await {
            let alias = alias.aws("ListAliases")?;
            let Some(name) = alias.alias_name() else { continue };
            if requests.iter().any(|r| r.id.as_deref() == Some(name)) {
                found.push(LiveResource {
                    id: name.to_owned(),
                    attrs: Attrs::from([NAME.to(name), TARGET_KEY.to(opt_str(alias.target_key_id()))]),
                    ready: true,
                    outputs: Attrs::new(),
                });
            }
        }
        Ok(pair_by_id(requests, found))
    }

    async fn create(&self, aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let name = NAME.str(new.attrs).unwrap_or_default();
        let target = TARGET_KEY.str(new.attrs).unwrap_or_default();
        match aws.kms.create_alias().alias_name(name).target_key_id(target).send().await.aws("CreateAlias") {
            Ok(_) => {}
            // An interrupted run created it (the read adopts it by name); or a destroyed stack
            // applied again left it on its old key, which the create just brought back: either
            // way it is the stack's alias, pointed where the stack says.
            Err(e) if e.code() == Some("AlreadyExistsException") => point(aws, name, target).await?,
            Err(e) => return Err(e),
        }
        Ok(name.to_owned())
    }

    async fn update(&self, aws: &Aws, id: &str, _: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        point(aws, id, TARGET_KEY.str(after).unwrap_or_default()).await
    }

    async fn delete(&self, aws: &Aws, id: &str, _: &Attrs) -> Result<(), AwsError> {
        aws.kms.delete_alias().alias_name(id).send().await.aws("DeleteAlias")?;
        Ok(())
    }
}

async fn point(aws: &Aws, name: &str, target: &str) -> Result<(), AwsError> {
    aws.kms.update_alias().alias_name(name).target_key_id(target).send().await.aws("UpdateAlias")?;
    Ok(())
}
