//! The live feed: every committed case change as a Server-Sent Event, a member's grid only.

use std::convert::Infallible;

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::Stream;
use gridwatch_core::config::Role;

use super::{ApiError, AppState, Caller, READERS};

pub async fn follow(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller.require(&READERS, "follow the feed")?;
    let only = (caller.actor.role == Role::Member).then(|| caller.actor.grid(s.dispatcher.config()));
    let changes = s.dispatcher.subscribe();
    let stream = futures_util::stream::unfold((changes, only), |(mut changes, only)| async move {
        loop {
            match changes.recv().await {
                Ok(change) if only.as_ref().is_none_or(|grid| &change.grid == grid) => {
                    let event = Event::default()
                        .event("case")
                        .json_data(&change)
                        .expect("changes serialize");
                    return Some((Ok(event), (changes, only)));
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
