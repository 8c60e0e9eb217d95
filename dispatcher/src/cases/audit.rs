//! The audit log's hash chain (执法全过程记录): every entry's hash covers its own fields and the
//! previous entry's hash, so changing, removing or reordering any entry breaks every hash after it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry as stored (and as an evidence package carries it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub case_id: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    /// JSON: notes, reasons, who it went to.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl Entry {
    /// The hash this entry must carry, given its fields and `prev_hash`.
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        // Length-prefixed fields: no two different entries hash the same text.
        for field in [
            self.seq.to_string().as_str(),
            &self.case_id,
            &self.at.to_string(),
            &self.actor,
            &self.action,
            self.from_state.as_deref().unwrap_or(""),
            &self.to_state,
            &self.detail,
            &self.prev_hash,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Where a chain stops being trustworthy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("audit entry {seq}: its hash does not match its contents")]
    Altered { seq: i64 },
    #[error("audit entry {seq}: it does not follow entry {previous} (an entry was removed or reordered)")]
    Unlinked { seq: i64, previous: i64 },
}

/// Checks `entries` (in seq order, from the first) link up and are unaltered.
pub fn verify(entries: &[Entry]) -> Result<(), Broken> {
    let mut previous: Option<&Entry> = None;
    for entry in entries {
        let (prev_hash, prev_seq) = previous.map_or((GENESIS, 0), |p| (p.hash.as_str(), p.seq));
        if entry.prev_hash != prev_hash || entry.seq != prev_seq + 1 {
            return Err(Broken::Unlinked {
                seq: entry.seq,
                previous: prev_seq,
            });
        }
        if entry.hash != entry.expected_hash() {
            return Err(Broken::Altered { seq: entry.seq });
        }
        previous = Some(entry);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        for seq in 1..=n {
            let mut e = Entry {
                seq,
                case_id: "c1".into(),
                at: 1_000 * seq,
                actor: "officer".into(),
                action: "accept".into(),
                from_state: Some("dispatched".into()),
                to_state: "accepted".into(),
                detail: "{}".into(),
                prev_hash: out.last().map_or(GENESIS.into(), |p| p.hash.clone()),
                hash: String::new(),
            };
            e.hash = e.expected_hash();
            out.push(e);
        }
        out
    }

    #[test]
    fn an_intact_chain_verifies_and_any_change_breaks_it() {
        let entries = chain(4);
        assert_eq!(verify(&entries), Ok(()));

        let mut altered = entries.clone();
        altered[1].actor = "someone else".into();
        assert_eq!(verify(&altered), Err(Broken::Altered { seq: 2 }));

        let mut removed = entries.clone();
        removed.remove(2);
        assert_eq!(verify(&removed), Err(Broken::Unlinked { seq: 4, previous: 2 }));
    }
}
