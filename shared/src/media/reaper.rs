//! Ends the connections media servers admitted once: each minute those whose access has ended
//! (compared with the injected clock's *now*, never left to TTL), and at once those of a revoked
//! session. Ended (or already gone) connections are forgotten; the others stay for the next run (a
//! revoked session's, due now).

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::task::JoinSet;

use super::apis::{Ended, KickError, MediaApis};
use crate::clock::SharedClock;
use crate::domain::{Connection, SessionId};
use crate::playback::session_hash;
use crate::store::{Store, StoreError};

/// Kicks in flight at once.
const PARALLEL_KICKS: usize = 16;

/// What one run did: the answer of the scheduled function and the log line of a revoke's kicks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Connections whose access had ended (or whose session was revoked).
    pub due: usize,
    /// Ended by their server now.
    pub kicked: usize,
    /// Already gone from their server.
    pub gone: usize,
    /// No connection behind the id (an SRS HLS reader): bounded by its token's `exp`.
    pub not_connections: usize,
    /// Not ended now (server unreachable, refused, not configured): tried again on the next run.
    pub failed: usize,
}

/// Ends connections through the media servers' APIs.
#[derive(Clone)]
pub struct Reaper {
    store: Store,
    apis: MediaApis,
    clock: SharedClock,
}

impl std::fmt::Debug for Reaper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reaper").field("apis", &self.apis).finish()
    }
}

impl Reaper {
    /// A reaper over `store`, ending connections through `apis`, reading time from `clock`.
    pub fn new(store: Store, apis: MediaApis, clock: SharedClock) -> Self {
        Self { store, apis, clock }
    }

    /// The scheduled run: ends every connection whose access ended by now. DynamoDB: 2 ×
    /// [`KICK_SHARDS`](crate::store::KICK_SHARDS) Queries, then one BatchWriteItem per 25 ended.
    pub async fn reap(&self) -> Result<Report, StoreError> {
        let due = self.store.due_connections(self.clock.now()).await?;
        let (report, _not_ended) = self.end_all(due).await?;
        Ok(report)
    }

    /// After a revoke committed: ends the session's connections at once. One that could not be
    /// ended now is recorded as due now, so the next scheduled run (within a minute) tries again.
    /// DynamoDB: one Query, one BatchWriteItem per 25 ended, one PutItem per connection not ended.
    pub async fn end_session(&self, session: &SessionId) -> Result<Report, StoreError> {
        let connections = self
            .store
            .session_connections(&session_hash(session))
            .await?;
        let (report, not_ended) = self.end_all(connections).await?;
        due_now(&self.store, not_ended, self.clock.now()).await?;
        Ok(report)
    }

    /// Kicks `connections` (at most [`PARALLEL_KICKS`] at once), then forgets those that ended;
    /// returns the report and the connections not ended.
    async fn end_all(
        &self,
        connections: Vec<Connection>,
    ) -> Result<(Report, Vec<Connection>), StoreError> {
        let mut report = Report {
            due: connections.len(),
            ..Report::default()
        };
        let mut ended = Vec::with_capacity(connections.len());
        let mut not_ended = Vec::new();
        let mut todo = connections.into_iter();
        let mut running = JoinSet::new();
        loop {
            while running.len() < PARALLEL_KICKS {
                let Some(connection) = todo.next() else { break };
                let apis = self.apis.clone();
                running.spawn(async move {
                    let result = apis.end(&connection.target).await;
                    (connection, result)
                });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let Ok((connection, result)) = joined else {
                // A kick task that did not finish: its connection stays for the next run.
                report.failed += 1;
                continue;
            };
            log(&connection, &result);
            match result {
                Ok(Ended::Kicked) => report.kicked += 1,
                Ok(Ended::Gone) => report.gone += 1,
                Ok(Ended::NotAConnection) => report.not_connections += 1,
                Err(_) => {
                    report.failed += 1;
                    not_ended.push(connection);
                    continue;
                }
            }
            ended.push(connection);
        }
        self.store.forget_connections(&ended).await?;
        Ok((report, not_ended))
    }
}

/// After a revoke committed by a function that holds no media server credentials (a refund made
/// at the gateway, recorded by payment-callback): makes the session's connections due `now`, so the
/// reaper's next run (within a minute) ends them. DynamoDB: one Query, one PutItem per connection.
/// Returns how many were made due.
pub async fn end_soon(
    store: &Store,
    session: &SessionId,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let connections = store.session_connections(&session_hash(session)).await?;
    let n = connections.len();
    due_now(store, connections, now).await?;
    Ok(n)
}

/// Records each of `connections` as due at `now` at the latest.
async fn due_now(
    store: &Store,
    connections: Vec<Connection>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for connection in connections {
        let due = Connection {
            access_end: connection.access_end.min(now),
            ..connection
        };
        store.put_connection(&due).await?;
    }
    Ok(())
}

fn log(connection: &Connection, result: &Result<Ended, KickError>) {
    let target = connection.target.to_string();
    let (stream, sid) = (&connection.stream, &connection.sid);
    let access_end = connection.access_end.to_rfc3339();
    match result {
        Ok(ended) => {
            tracing::info!(%target, %stream, %sid, %access_end, outcome = ?ended, "connection ended")
        }
        Err(err) => {
            tracing::warn!(%target, %stream, %sid, %access_end, error = %err, "connection not ended; retried next run")
        }
    }
}
