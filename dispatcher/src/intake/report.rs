//! Reports from people: 12345 hotline tickets arriving through Open311 and grid members' patrol
//! reports (巡查上报). A report joins the open case of its kind at the same spot — a camera's
//! included — or opens a case of its own, which then goes round the same loop as a camera's:
//! review, the grid by location, dispatch, deadlines, verification. A hotline ticket waits for an
//! operator's review; a member's report is as certain as a finding gets, so review treats it as
//! one of full confidence (filed and sent at once where the kind's policy sends confident ones).

use gridwatch_core::{GeoPoint, ViolationKind};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    cases::{Case, Source},
    change::Change,
    evidence::photos::Kept,
    store::{self, reports::ReportRow},
    Actor, DispatchError, Dispatcher,
};

/// The longest description a report may have, in characters.
pub const MAX_DESCRIPTION: usize = 4000;

/// The longest address or media URL accepted, in characters.
pub const MAX_REFERENCE: usize = 2000;

/// What someone reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// [`Source::Hotline`] or [`Source::Patrol`].
    pub source: Source,
    pub kind: String,
    pub place: GeoPoint,
    /// As the reporter gave it, for people to read; the place is what counts.
    pub address: Option<String>,
    pub description: String,
    /// A picture or video the reporter's system holds; kept as given, never fetched.
    pub media_url: Option<String>,
    /// How to reach the reporter: seen by the command centre only.
    pub contact: Option<Contact>,
}

/// A citizen's contact details, as Open311 carries them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// What became of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reported {
    /// The report's own id.
    pub report: String,
    /// The case it opened or joined.
    pub case: String,
    pub number: i64,
    /// It joined a case already open at the spot.
    pub joined: bool,
}

impl Report {
    /// The report's kind, if it is a kind the city knows and the rest is sane.
    fn checked(&self, known: &[ViolationKind]) -> Result<ViolationKind, DispatchError> {
        let invalid = |m: String| Err(DispatchError::Invalid(m));
        let Some(kind) = known.iter().find(|k| k.as_str() == self.kind) else {
            let names: Vec<&str> = known.iter().map(|k| k.as_str()).collect();
            return invalid(format!(
                "service_code: `{}` is not a kind of violation this city handles; known kinds are {}",
                self.kind,
                names.join(", ")
            ));
        };
        if !self.source.by_people() {
            return invalid("a report comes from the hotline or a patrol, not a camera".into());
        }
        if self.description.trim().is_empty() {
            return invalid("description: say what was seen".into());
        }
        if self.description.chars().count() > MAX_DESCRIPTION {
            return invalid(format!("description: longer than {MAX_DESCRIPTION} characters"));
        }
        for (field, value) in [("address_string", &self.address), ("media_url", &self.media_url)] {
            if value.as_ref().is_some_and(|v| v.chars().count() > MAX_REFERENCE) {
                return invalid(format!("{field}: longer than {MAX_REFERENCE} characters"));
            }
        }
        if let Some(url) = &self.media_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return invalid(format!("media_url: `{url}` is not an http or https address"));
            }
        }
        Ok(kind.clone())
    }

    /// The report as the store keeps it: report `id`, in case `case_id`, made by `by` at `at`.
    fn row(&self, id: &str, case_id: &str, by: &Actor, at: i64) -> ReportRow {
        ReportRow {
            id: id.to_owned(),
            case_id: case_id.to_owned(),
            source: self.source.as_str().to_owned(),
            kind: self.kind.clone(),
            lon: self.place.lon(),
            lat: self.place.lat(),
            address: self.address.clone(),
            description: self.description.clone(),
            media_url: self.media_url.clone(),
            reporter: by.name.clone(),
            contact: self
                .contact
                .as_ref()
                .filter(|c| **c != Contact::default())
                .map(|c| serde_json::to_string(c).expect("contacts serialize")),
            received_at: at,
        }
    }
}

impl Dispatcher {
    /// Takes `report` from `by`, with `photos` already kept; returns after the commit.
    pub async fn report(&self, by: &Actor, report: Report, photos: Kept) -> Result<Reported, DispatchError> {
        let kind = report.checked(&self.config.known_kinds())?;
        let mut change = self.change().await?;
        let reported = change.report(by, &kind, &report, &photos).await?;
        change.commit().await?;
        Ok(reported)
    }
}

impl Change<'_> {
    async fn report(
        &mut self,
        by: &Actor,
        kind: &ViolationKind,
        report: &Report,
        photos: &Kept,
    ) -> Result<Reported, DispatchError> {
        let id = uuid::Uuid::now_v7().to_string();
        let detail = json!({
            "report": id, "source": report.source, "address": report.address,
            "description": report.description, "media_url": report.media_url,
        });
        let (case, joined) = match self.open_case_near(kind.as_str(), report.place, None).await? {
            Some(open) => {
                let case = Case {
                    occurrences: open.occurrences + 1,
                    updated_at: self.now_ms(),
                    ..open
                };
                self.note(&case, by, "reported", detail).await?;
                (case, true)
            }
            None => {
                let case = self
                    .new_case(&id, kind.as_str(), report.place, report.source)
                    .await?;
                self.insert_case(&case);
                let mut detail = detail;
                detail["grid"] = json!(case.grid);
                detail["recurrence_of"] = json!(case.recurrence_of);
                self.audit(&case, by, "report", None, detail).await?;
                (case, false)
            }
        };
        self.record_photos(&case, by, photos).await?;
        let row = report.row(&id, &case.id, by, self.now_ms());
        store::reports::insert(self.tx().await?, &row).await?;
        let reported = Reported {
            report: id,
            case: case.id.clone(),
            number: case.number,
            joined,
        };
        // A member saw it with their own eyes: as certain as a finding can be. A citizen's word
        // waits for an operator, tied to the shop at its place to count once filed.
        match (joined, report.source) {
            (true, _) => {}
            (false, Source::Patrol) => self.review(case, kind, 1.0).await?,
            (false, _) => drop(self.tie_to_shop(case).await?),
        }
        Ok(reported)
    }
}
