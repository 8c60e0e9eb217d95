//! Keeping secrets out of what is shown: camera and NATS addresses may carry a user's password
//! (`rtsp://user:secret@host/…`), and errors and logs quote them.

use std::borrow::Cow;

/// `text` with the password of every `scheme://user:password@host` address in it replaced by
/// `***`; the user name and the rest stay, so the address can still be told apart.
pub fn credentials(text: &str) -> Cow<'_, str> {
    let (mut shown, mut masked) = (String::new(), false);
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let after = at + 3;
        let authority_len = rest[after..]
            .find(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(rest.len() - after);
        let (head, tail) = rest.split_at(after + authority_len);
        let authority = &head[after..];
        // user:password@host: the password runs from the first ':' to the last '@'.
        let password = authority
            .rfind('@')
            .and_then(|end| {
                authority[..end]
                    .find(':')
                    .map(|start| (after + start + 1, after + end))
            })
            .filter(|(start, end)| start < end);
        match password {
            Some((start, end)) => {
                shown.push_str(&head[..start]);
                shown.push_str("***");
                shown.push_str(&head[end..]);
                masked = true;
            }
            None => shown.push_str(head),
        }
        rest = tail;
    }
    if !masked {
        return Cow::Borrowed(text);
    }
    shown.push_str(rest);
    Cow::Owned(shown)
}

#[cfg(test)]
mod tests {
    use super::credentials;

    #[test]
    fn passwords_in_addresses_are_masked_and_everything_else_is_kept() {
        assert_eq!(
            credentials("rtsp://admin:Hik12345@10.0.0.7:554/Streaming/Channels/102"),
            "rtsp://admin:***@10.0.0.7:554/Streaming/Channels/102"
        );
        assert_eq!(
            credentials("NATS at nats://gw:p@ss:w0rd@nats.city:4222: connection refused"),
            "NATS at nats://gw:***@nats.city:4222: connection refused"
        );
        assert_eq!(
            credentials("two: rtsp://a:1@h/x and \"rtsp://b:2@k\" end"),
            "two: rtsp://a:***@h/x and \"rtsp://b:***@k\" end"
        );
        for kept in [
            "nats://127.0.0.1:4222",
            "rtsp://viewer@10.0.0.7/live",
            "file:///clips/a.mp4",
            "no address here",
            "rtsp://:@h/",
            "ends with ://",
        ] {
            assert_eq!(credentials(kept), kept);
        }
    }
}
