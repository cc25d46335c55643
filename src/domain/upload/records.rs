//! Splitting decoded text into records with the `csv` crate: quoted fields may hold the
//! delimiter, line breaks and doubled quotes; CRLF and LF both end a record; the last record
//! needs no line end. The delimiter is chosen from the header line.

/// The field separator of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
}

impl Delimiter {
    pub fn byte(self) -> u8 {
        match self {
            Self::Comma => b',',
            Self::Semicolon => b';',
            Self::Tab => b'\t',
        }
    }

    /// A name for people: "comma", "semicolon" or "tab".
    pub fn label(self) -> &'static str {
        match self {
            Self::Comma => "comma",
            Self::Semicolon => "semicolon",
            Self::Tab => "tab",
        }
    }

    /// The inverse of [`Delimiter::label`].
    pub fn parse(label: &str) -> Option<Self> {
        [Self::Comma, Self::Semicolon, Self::Tab]
            .into_iter()
            .find(|d| d.label() == label)
    }
}

/// Picks the delimiter that occurs most often, outside quotes, in the header line. A header
/// without any of them is one column, read as comma-separated.
pub fn detect_delimiter(text: &str) -> Delimiter {
    let (mut comma, mut semicolon, mut tab) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => comma += 1,
            ';' if !quoted => semicolon += 1,
            '\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab >= semicolon {
        Delimiter::Tab
    } else if semicolon > comma {
        Delimiter::Semicolon
    } else {
        Delimiter::Comma
    }
}

/// One record of the file and the physical line it starts on (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: u64,
    pub cells: Vec<String>,
}

/// A record the reader could not split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct RecordError {
    pub line: u64,
    pub message: String,
}

/// The records of a text, header first, skipping records whose every cell is blank (the
/// `;;;;` lines spreadsheets leave at the end).
pub struct Records<'a> {
    text: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    record: csv::StringRecord,
    /// Line breaks counted in `text[..counted]`.
    breaks: u64,
    counted: usize,
}

impl<'a> Records<'a> {
    pub fn new(text: &'a str, delimiter: Delimiter) -> Self {
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter.byte())
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        Self {
            text: text.as_bytes(),
            reader,
            record: csv::StringRecord::new(),
            breaks: 0,
            counted: 0,
        }
    }

    /// The physical line (from 1) of the first content byte at or after `byte`. The reader
    /// reports a record as starting right after the previous one's `\r`, so line ends are
    /// skipped first.
    fn line_at(&mut self, byte: usize) -> u64 {
        let mut start = byte.min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.counted {
            let newly = self.text[self.counted..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.breaks += newly as u64;
            self.counted = start;
        }
        self.breaks + 1
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Record, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {
                    let byte = self.record.position().map_or(0, |p| p.byte());
                    let line = self.line_at(usize::try_from(byte).unwrap_or(usize::MAX));
                    if self.record.iter().all(|cell| cell.trim().is_empty()) {
                        continue;
                    }
                    let cells = self.record.iter().map(str::to_owned).collect();
                    return Some(Ok(Record { line, cells }));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Some(Err(RecordError {
                        line,
                        message: e.to_string(),
                    }));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(text: &str, d: Delimiter) -> Vec<(u64, Vec<String>)> {
        Records::new(text, d)
            .map(|r| r.map(|r| (r.line, r.cells)))
            .collect::<Result<_, _>>()
            .unwrap_or_default()
    }

    #[test]
    fn the_delimiter_is_taken_from_the_header_line_only() {
        assert_eq!(
            detect_delimiter("a;b;c\r\nx,y,z,w,v\r\n"),
            Delimiter::Semicolon
        );
        assert_eq!(detect_delimiter("a,b,c\nx;y;z;w\n"), Delimiter::Comma);
        assert_eq!(detect_delimiter("a\tb\tc\n"), Delimiter::Tab);
        assert_eq!(detect_delimiter("\"a;b\",c,d\n"), Delimiter::Comma);
        assert_eq!(detect_delimiter("single"), Delimiter::Comma);
    }

    #[test]
    fn quoted_line_breaks_and_doubled_quotes_stay_inside_one_record() {
        let text = "h1,h2\r\n\"one\ntwo\",\"say \"\"hi\"\"\"\r\nlast,row";
        assert_eq!(
            cells(text, Delimiter::Comma),
            vec![
                (1, vec!["h1".to_owned(), "h2".to_owned()]),
                (2, vec!["one\ntwo".to_owned(), "say \"hi\"".to_owned()]),
                (4, vec!["last".to_owned(), "row".to_owned()]),
            ]
        );
    }

    #[test]
    fn blank_records_are_skipped() {
        let text = "h1;h2\n;\n\nx;y\n;;\n";
        let rows = cells(text, Delimiter::Semicolon);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].1, vec!["x".to_owned(), "y".to_owned()]);
    }
}
