//! Open311 answers in the two formats the standard has: JSON arrays, and XML whose root names the
//! list and whose children name each item. Errors too: a list of `{code, description}`.

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use quick_xml::{events::BytesText, Writer};
use serde_json::{json, Map, Value};

use crate::api::ApiError;

/// What a path's extension asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// `name` without its `.json` or `.xml`, and the format that asks for; `None` for another
    /// or no extension.
    pub fn split(name: &str) -> Option<(&str, Format)> {
        if let Some(stem) = name.strip_suffix(".json") {
            Some((stem, Format::Json))
        } else {
            name.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
        }
    }

    /// The format a request path ends in; JSON when it names none.
    pub fn of_path(path: &str) -> Format {
        if path.ends_with(".xml") {
            Format::Xml
        } else {
            Format::Json
        }
    }
}

/// A list of items as JSON, or as XML under `<root>` with each item an `<item>`.
pub struct Answer {
    pub format: Format,
    pub status: StatusCode,
    pub root: &'static str,
    pub item: &'static str,
    pub items: Vec<Map<String, Value>>,
}

impl Answer {
    /// Service requests, as `<service_requests><request>…`.
    pub fn requests(format: Format, status: StatusCode, items: Vec<Map<String, Value>>) -> Self {
        Answer {
            format,
            status,
            root: "service_requests",
            item: "request",
            items,
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self.format {
            Format::Json => {
                let items: Vec<Value> = self.items.into_iter().map(Value::Object).collect();
                (self.status, axum::Json(items)).into_response()
            }
            Format::Xml => (
                self.status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                xml(self.root, self.item, &self.items),
            )
                .into_response(),
        }
    }
}

/// `items` as an XML document: `<root><item><field>value</field>…</item>…</root>`; a null field
/// is an empty element.
fn xml(root: &str, item: &str, items: &[Map<String, Value>]) -> String {
    let mut writer = Writer::new(Vec::new());
    // Writing to a Vec cannot fail.
    let written = writer.create_element(root).write_inner_content(|w| {
        for fields in items {
            w.create_element(item).write_inner_content(|w| {
                for (name, value) in fields {
                    let text = match value {
                        Value::Null => String::new(),
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    w.create_element(name.as_str())
                        .write_text_content(BytesText::new(&text))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    });
    written.expect("writing XML to memory does not fail");
    let body = String::from_utf8(writer.into_inner()).expect("XML written from strings is UTF-8");
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n{body}")
}

/// An Open311 error, answered in the request's format.
pub struct Open311Error {
    pub format: Format,
    pub error: ApiError,
}

impl Open311Error {
    pub fn new(format: Format, status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            format,
            error: ApiError::new(status, description),
        }
    }

    /// `error` in `format`.
    pub fn from(format: Format) -> impl Fn(ApiError) -> Open311Error {
        move |error| Open311Error { format, error }
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let fields = json!({ "code": self.error.status.as_u16(), "description": self.error.message });
        let Value::Object(fields) = fields else {
            unreachable!("a JSON object literal")
        };
        Answer {
            format: self.format,
            status: self.error.status,
            root: "errors",
            item: "error",
            items: vec![fields],
        }
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_names_the_list_and_each_item_and_escapes_text() {
        let item = json!({ "service_code": "street_vending", "description": "<a> & \"b\"", "lat": 26.07, "media_url": null });
        let Value::Object(item) = item else { unreachable!() };
        let doc = xml("services", "service", &[item]);
        assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service>"));
        assert!(doc.contains("<service_code>street_vending</service_code>"));
        assert!(
            doc.contains("<description>&lt;a&gt; &amp; &quot;b&quot;</description>"),
            "{doc}"
        );
        assert!(doc.contains("<lat>26.07</lat>"));
        assert!(doc.contains("<media_url></media_url>"), "{doc}");
        assert!(doc.ends_with("</service></services>"));
    }

    #[test]
    fn the_extension_picks_the_format() {
        assert_eq!(Format::split("requests.json"), Some(("requests", Format::Json)));
        assert_eq!(Format::split("12.xml"), Some(("12", Format::Xml)));
        assert_eq!(Format::split("12"), None);
        assert_eq!(Format::of_path("/open311/v2/requests.xml"), Format::Xml);
    }
}
