//! Cache invalidation across processes: the control plane announces changes
//! with PostgreSQL `NOTIFY`; every API process listens and forgets what it
//! cached about the tenant or key.

use charter_domain::ids::{ApiKeyId, TenantId, UserId};
use deadpool_postgres::GenericClient;
use futures::StreamExt;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::{AsyncMessage, NoTls};

use super::ControlPlane;
use crate::StoreError;

const CHANNEL: &str = "charter_invalidate";

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidation {
    /// Placement, tier or status of a tenant.
    Tenant(TenantId),
    /// A key was revoked.
    Key(ApiKeyId),
    /// A user's memberships or platform roles changed.
    User(UserId),
}

impl Invalidation {
    fn payload(self) -> String {
        match self {
            Self::Tenant(id) => format!("tenant:{id}"),
            Self::Key(id) => format!("key:{id}"),
            Self::User(id) => format!("user:{id}"),
        }
    }

    fn parse(payload: &str) -> Option<Self> {
        let (kind, id) = payload.split_once(':')?;
        match kind {
            "tenant" => TenantId::parse("id", id).ok().map(Self::Tenant),
            "key" => ApiKeyId::parse("id", id).ok().map(Self::Key),
            "user" => UserId::parse("id", id).ok().map(Self::User),
            _ => None,
        }
    }
}

/// Sends `NOTIFY` on `client`; inside a transaction it goes out at commit.
pub(crate) async fn announce(client: &impl GenericClient, change: Invalidation) -> Result<(), StoreError> {
    client.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &change.payload()]).await?;
    Ok(())
}

impl ControlPlane {
    /// Opens a dedicated connection that listens for invalidations. The
    /// receiver ends when the connection does; callers reconnect and, having
    /// possibly missed changes, forget everything they cached.
    pub async fn listen(&self) -> Result<mpsc::UnboundedReceiver<Invalidation>, StoreError> {
        let (client, mut connection) = self
            .url()
            .pg_config()?
            .connect(NoTls)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot listen for invalidations: {e}")))?;
        let (sender, receiver) = mpsc::unbounded_channel();
        let (ended, when_ended) = oneshot::channel::<()>();
        // Drives the connection and forwards notifications; the receiver
        // ends when the connection does.
        tokio::spawn(async move {
            let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(Ok(message)) = messages.next().await {
                if let AsyncMessage::Notification(n) = message
                    && let Some(change) = Invalidation::parse(n.payload())
                    && sender.send(change).is_err()
                {
                    break;
                }
            }
            let _ = ended.send(());
        });
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        // The client must live as long as the connection is read.
        tokio::spawn(async move {
            let _ = when_ended.await;
            drop(client);
        });
        Ok(receiver)
    }
}
