//! People's reports as received, each tied to the case it opened or joined.

use sqlx::Row;

use super::Tx;

/// One report, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub id: String,
    pub case_id: String,
    pub source: String,
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
    pub address: Option<String>,
    pub description: String,
    pub media_url: Option<String>,
    /// The account or token that made it.
    pub reporter: String,
    /// The reporter's contact details, as JSON.
    pub contact: Option<String>,
    pub received_at: i64,
}

pub async fn insert(tx: &mut Tx, r: &ReportRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO reports (id, case_id, source, kind, lon, lat, address, description, media_url,
                              reporter, contact, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&r.id)
    .bind(&r.case_id)
    .bind(&r.source)
    .bind(&r.kind)
    .bind(r.lon)
    .bind(r.lat)
    .bind(r.address.clone())
    .bind(&r.description)
    .bind(r.media_url.clone())
    .bind(&r.reporter)
    .bind(r.contact.clone())
    .bind(r.received_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The reports of the cases `case_ids`, oldest first.
pub async fn of_cases(pool: &sqlx::AnyPool, case_ids: &[&str]) -> Result<Vec<ReportRow>, sqlx::Error> {
    if case_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=case_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT * FROM reports WHERE case_id IN ({}) ORDER BY received_at, id",
        placeholders.join(", ")
    );
    let rows = case_ids
        .iter()
        .fold(sqlx::query(&sql), |q, id| q.bind(*id))
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ReportRow {
                id: r.try_get("id")?,
                case_id: r.try_get("case_id")?,
                source: r.try_get("source")?,
                kind: r.try_get("kind")?,
                lon: r.try_get("lon")?,
                lat: r.try_get("lat")?,
                address: r.try_get("address")?,
                description: r.try_get("description")?,
                media_url: r.try_get("media_url")?,
                reporter: r.try_get("reporter")?,
                contact: r.try_get("contact")?,
                received_at: r.try_get("received_at")?,
            })
        })
        .collect()
}
