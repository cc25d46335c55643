//! The HTML escaper behind every `.html` template (configured in `askama.toml`).

use std::fmt;

/// Escapes the five characters that matter in HTML text and attribute values.
#[derive(Debug, Clone, Copy, Default)]
pub struct NamedEntities;

impl askama::filters::Escaper for NamedEntities {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, text: &str) -> fmt::Result {
        let mut written = 0;
        for (at, byte) in text.bytes().enumerate() {
            let entity = match byte {
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'&' => "&amp;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&text[written..at])?;
            dest.write_str(entity)?;
            written = at + 1;
        }
        dest.write_str(&text[written..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use askama::filters::Escaper;

    #[test]
    fn markup_becomes_named_entities_and_other_text_stays() {
        let mut out = String::new();
        NamedEntities
            .write_escaped_str(&mut out, "Tomás <b>\"x\" & 'y'</b>")
            .expect("write");
        assert_eq!(
            out,
            "Tomás &lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }
}
