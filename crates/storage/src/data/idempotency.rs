//! `Idempotency-Key`: a retried POST gets the first result again.

use serde_json::Value;

use super::TenantTx;
use crate::StoreError;

/// What a key says about a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// First use: go ahead, then [`TenantTx::settle_idempotency`] in the same transaction.
    Fresh,
    /// Used before for the same request: here is its result.
    Replay { status: u16, body: Value, location: Option<String> },
    /// Used before for a different request.
    Mismatch,
}

impl TenantTx {
    /// Claims `key` for a request whose canonical form hashes to
    /// `request_hash`. A concurrent request with the same key waits here
    /// until the first one commits, then gets its result.
    pub async fn claim_idempotency(&mut self, key: &str, request_hash: &str) -> Result<Claim, StoreError> {
        let tenant = self.tenant().as_uuid();
        let inserted = self
            .execute(
                "INSERT INTO charter.idempotency_key (tenant_id, key, request_hash, status, response)
                 VALUES ($1, $2, $3, 0, 'null') ON CONFLICT DO NOTHING",
                &[&tenant, &key, &request_hash],
            )
            .await?;
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let row = self
            .query_one(
                "SELECT request_hash, status, response, location FROM charter.idempotency_key WHERE tenant_id = $1 AND key = $2",
                &[&tenant, &key],
            )
            .await?;
        if row.get::<_, String>(0) != request_hash {
            return Ok(Claim::Mismatch);
        }
        let status: i32 = row.get(1);
        Ok(Claim::Replay { status: u16::try_from(status).unwrap_or(200), body: row.get(2), location: row.get(3) })
    }

    /// Records the result of the request that claimed `key`.
    pub async fn settle_idempotency(
        &mut self,
        key: &str,
        status: u16,
        body: &Value,
        location: Option<&str>,
    ) -> Result<(), StoreError> {
        let tenant = self.tenant().as_uuid();
        self.execute(
            "UPDATE charter.idempotency_key SET status = $3, response = $4, location = $5 WHERE tenant_id = $1 AND key = $2",
            &[&tenant, &key, &i32::from(status), body, &location],
        )
        .await?;
        Ok(())
    }
}
