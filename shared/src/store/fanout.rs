//! Shard-parallel listings: a time-ordered listing reads the [`SHARDS`] partitions of a group (a WIB
//! day, or a stream) with one Query each, all at once, and merges them by `createdAt`; when a group
//! is exhausted it walks to the next (the previous day, newest first; the next, oldest first) within
//! the listing's window. The cursor keeps each shard's position (and the group), opaque to clients.
//!
//! Budget: a page is at most [`MAX_ROUNDS`] rounds of at most [`SHARDS`] concurrent Queries; a page of
//! one day that fits is one round.

use std::collections::VecDeque;

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::item::{Item, n_attr, s_attr};
use super::shard::SHARDS;
use super::table::{CREATED_AT, IndexDef, TABLE};
use super::{Store, StoreError, classify, cursor};

/// At most this many rounds of concurrent Queries per page.
pub const MAX_ROUNDS: u32 = 8;

/// A sharded listing.
pub(super) struct Listing<'a> {
    /// The index read.
    pub index: &'static str,
    /// Which listing of the index (`SESSION`, `PAYMENT`, a stream id): its cursors continue no other.
    pub name: &'a str,
    /// The group the first page starts in.
    pub first_group: i64,
    /// The [`SHARDS`] partitions of a group; `None` outside the listing's window.
    pub partitions: &'a (dyn Fn(i64) -> Option<Vec<String>> + Sync),
    /// Newest first (groups walk down) or oldest first (groups walk up).
    pub newest_first: bool,
    /// `createdAt` between these (inclusive, ms), if bounded.
    pub between: Option<(i64, i64)>,
    /// Adds a filter expression to each Query.
    pub shape: &'a (dyn Fn(QueryFluentBuilder) -> QueryFluentBuilder + Sync),
    /// Page size.
    pub limit: usize,
}

/// One merged page.
pub(super) struct Merged {
    /// The items, in the listing's order.
    pub items: Vec<Item>,
    /// Where the next page starts; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Where a shard's next Query starts.
#[derive(Debug, Clone, PartialEq)]
enum Pos {
    Start,
    After(Item),
    Done,
}

/// The listing's position.
#[derive(Debug, Clone, PartialEq)]
struct State {
    group: i64,
    shards: Vec<Pos>,
}

impl State {
    fn start(group: i64) -> Self {
        State {
            group,
            shards: vec![Pos::Start; SHARDS as usize],
        }
    }
}

impl Store {
    /// One page of a sharded listing from `cursor` (refused if another listing issued it).
    pub(super) async fn list_sharded(
        &self,
        l: &Listing<'_>,
        cursor: Option<&str>,
    ) -> Result<Merged, StoreError> {
        let def = TABLE
            .indexes
            .iter()
            .find(|i| i.name == l.index)
            .ok_or_else(|| StoreError::Backend(format!("no index {}", l.index)))?;
        let mut state = match cursor {
            None => State::start(l.first_group),
            Some(raw) => match decode(raw, l)? {
                Some(state) => state,
                None => {
                    return Ok(Merged {
                        items: Vec::new(),
                        next_cursor: None,
                    });
                }
            },
        };
        let step = if l.newest_first { -1 } else { 1 };
        let encode = |state: &State| encode(state, l);
        let mut out = Vec::new();
        let mut rounds = 0;
        let shards = SHARDS as usize;
        loop {
            let Some(parts) = (l.partitions)(state.group) else {
                return Ok(Merged {
                    items: out,
                    next_cursor: None,
                });
            };
            let mut buffers: Vec<VecDeque<Item>> = vec![VecDeque::new(); shards];
            let mut after: Vec<Option<Item>> = vec![None; shards];
            loop {
                let need: Vec<usize> = (0..shards)
                    .filter(|&i| buffers[i].is_empty() && state.shards[i] != Pos::Done)
                    .collect();
                if !need.is_empty() {
                    if rounds == MAX_ROUNDS {
                        return Ok(Merged {
                            items: out,
                            next_cursor: Some(encode(&state)),
                        });
                    }
                    rounds += 1;
                    let want = l.limit - out.len();
                    let fetched = futures_util::future::try_join_all(need.iter().map(|&i| {
                        let start = match &state.shards[i] {
                            Pos::After(key) => Some(key.clone()),
                            _ => None,
                        };
                        self.query_shard(l, def, &parts[i], start, want)
                    }))
                    .await?;
                    for (&i, (items, last)) in need.iter().zip(fetched) {
                        if items.is_empty() {
                            state.shards[i] = last.map_or(Pos::Done, Pos::After);
                        } else {
                            buffers[i] = items.into();
                            after[i] = last;
                        }
                    }
                    continue;
                }
                let Some(i) = pick(&buffers, l.newest_first) else {
                    state = State::start(state.group + step);
                    break;
                };
                let Some(item) = buffers[i].pop_front() else {
                    break;
                };
                state.shards[i] = if buffers[i].is_empty() {
                    after[i].take().map_or(Pos::Done, Pos::After)
                } else {
                    Pos::After(index_key(&item, def))
                };
                out.push(item);
                if out.len() >= l.limit {
                    let finished = state.shards.iter().all(|p| *p == Pos::Done)
                        && (l.partitions)(state.group + step).is_none();
                    return Ok(Merged {
                        items: out,
                        next_cursor: (!finished).then(|| encode(&state)),
                    });
                }
            }
        }
    }

    /// One Query of one shard: up to `want` items from `start`, and its `LastEvaluatedKey`.
    async fn query_shard(
        &self,
        l: &Listing<'_>,
        def: &IndexDef,
        partition: &str,
        start: Option<Item>,
        want: usize,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let mut q = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(l.index)
            .scan_index_forward(!l.newest_first)
            .limit(i32::try_from(want.clamp(1, 1000)).unwrap_or(1000))
            .expression_attribute_names("#pk", def.hash.name)
            .expression_attribute_values(":pk", s_attr(partition));
        q = match l.between {
            None => q.key_condition_expression("#pk = :pk"),
            Some((from, to)) => q
                .key_condition_expression("#pk = :pk AND #at BETWEEN :from AND :to")
                .expression_attribute_names("#at", CREATED_AT)
                .expression_attribute_values(":from", n_attr(from))
                .expression_attribute_values(":to", n_attr(to)),
        };
        let out = (l.shape)(q)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(classify)?;
        Ok((
            out.items.unwrap_or_default(),
            out.last_evaluated_key.filter(|k| !k.is_empty()),
        ))
    }
}

/// The shard whose next item comes first (`createdAt`; a tie goes to the lower shard).
fn pick(buffers: &[VecDeque<Item>], newest_first: bool) -> Option<usize> {
    let mut best: Option<(usize, i64)> = None;
    for (i, buffer) in buffers.iter().enumerate() {
        let Some(head) = buffer.front() else { continue };
        let at = created(head);
        let better = match best {
            None => true,
            Some((_, b)) if newest_first => at > b,
            Some((_, b)) => at < b,
        };
        if better {
            best = Some((i, at));
        }
    }
    best.map(|(i, _)| i)
}

fn created(item: &Item) -> i64 {
    match item.get(CREATED_AT) {
        Some(AttributeValue::N(n)) => n.parse().unwrap_or(0),
        _ => 0,
    }
}

/// An index item's key (table key and index key): where a Query continues after it.
fn index_key(item: &Item, def: &IndexDef) -> Item {
    [
        TABLE.hash.name,
        TABLE.range.name,
        def.hash.name,
        def.range.name,
    ]
    .iter()
    .filter_map(|k| item.get(*k).map(|v| ((*k).to_owned(), v.clone())))
    .collect()
}

fn encode(state: &State, l: &Listing<'_>) -> String {
    let shards: Vec<Value> = state
        .shards
        .iter()
        .map(|p| match p {
            Pos::Start => json!(0),
            Pos::Done => json!(1),
            Pos::After(key) => json!(cursor::encode(key)),
        })
        .collect();
    let listing = format!("{}:{}", l.index, l.name);
    URL_SAFE_NO_PAD.encode(json!({"l": listing, "g": state.group, "s": shards}).to_string())
}

/// Decodes a cursor of listing `l`: every shard's key must belong to that shard's partition.
/// `Ok(None)`: a well-formed cursor whose group has left the listing's window (nothing more).
fn decode(raw: &str, l: &Listing<'_>) -> Result<Option<State>, StoreError> {
    let bad = || StoreError::BadCursor;
    if raw.len() > 16_384 {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let group = value["g"].as_i64().ok_or_else(bad)?;
    let shards = value["s"].as_array().ok_or_else(bad)?;
    let listing = format!("{}:{}", l.index, l.name);
    if shards.len() != SHARDS as usize
        || value.as_object().is_none_or(|o| o.len() != 3)
        || value["l"].as_str() != Some(listing.as_str())
    {
        return Err(bad());
    }
    let Some(parts) = (l.partitions)(group) else {
        return Ok(None);
    };
    let shards = shards
        .iter()
        .zip(&parts)
        .map(|(pos, part)| match pos {
            Value::Number(n) if n.as_u64() == Some(0) => Some(Pos::Start),
            Value::Number(n) if n.as_u64() == Some(1) => Some(Pos::Done),
            Value::String(s) => cursor::decode_for(s, l.index, part).map(Pos::After),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(bad)?;
    Ok(Some(State { group, shards }))
}
