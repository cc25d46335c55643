//! Text clean-up shared by every intake field: trimming, control characters and accent folding.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Whether `c` should be removed from the start and end of a field.
///
/// Covers Unicode white space (TAB, U+00A0 no-break space, U+2007 figure space,
/// U+202F narrow no-break space, ...), control characters and the invisible
/// zero-width characters that spreadsheets and web pages like to leave behind.
pub fn is_edge_junk(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{180E}'
        )
}

/// Trims white space, control characters and zero-width characters from both ends.
pub fn trim_field(raw: &str) -> &str {
    raw.trim_matches(is_edge_junk)
}

/// Trims a single-line field and replaces inner control characters.
///
/// TAB, CR and LF become a plain space; other control characters are dropped.
pub fn clean_single_line(raw: &str) -> String {
    trim_field(raw)
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() || is_bidi_control(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Bidirectional embedding, override and isolate marks: they can make a name display as
/// something else in a list ("spoofing"), and no real name needs them.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Trims a multi-line field, keeping line breaks as `\n` and dropping other control characters.
pub fn clean_multi_line(raw: &str) -> String {
    let unified = trim_field(raw).replace("\r\n", "\n").replace('\r', "\n");
    unified
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() || is_bidi_control(c) => None,
            c => Some(c),
        })
        .collect()
}

/// Lower-cases `raw` and removes accents (`Müller` → `muller`, `Straße` → `strasse`).
pub fn fold_accents_lower(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ß' | 'ẞ' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ø' | 'Ø' => out.push('o'),
            'ł' | 'Ł' => out.push('l'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'þ' | 'Þ' => out.push_str("th"),
            'ı' => out.push('i'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_edge_space_is_trimmed() {
        for raw in [
            " x ",
            "\tx\t",
            "\u{a0}x\u{a0}",
            "\u{2007}x\u{202f}",
            "\u{feff}x\u{200b}",
            "\r\nx\n",
        ] {
            assert_eq!(trim_field(raw), "x", "{raw:?}");
        }
    }

    #[test]
    fn single_line_clean_up_turns_breaks_into_spaces() {
        assert_eq!(clean_single_line(" a\tb\nc\u{7}d "), "a b cd");
    }

    #[test]
    fn multi_line_clean_up_keeps_line_breaks() {
        assert_eq!(clean_multi_line("a\r\nb\rc\u{0}d\n"), "a\nb\ncd");
    }

    #[test]
    fn accents_are_folded_and_lower_cased() {
        assert_eq!(
            fold_accents_lower("Müller Straße ÉLAN Łódź"),
            "muller strasse elan lodz"
        );
    }

    #[test]
    fn bidi_overrides_are_dropped_from_names_and_notes() {
        assert_eq!(clean_single_line("Eve\u{202E}gnp.exe"), "Evegnp.exe");
        assert_eq!(
            clean_multi_line("line\u{2066}one\nline two"),
            "lineone\nline two"
        );
        assert_eq!(
            clean_single_line("Niloufar\u{200C}Ahmadi"),
            "Niloufar\u{200C}Ahmadi"
        );
    }
}
