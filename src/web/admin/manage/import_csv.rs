//! Reading comma-separated text that an admin pasted: fields may be quoted (`"Acme, Inc"`),
//! a doubled quote inside quotes is one quote, and a quoted field may span lines. Each record
//! remembers the line it starts on, so errors can point at it.

/// One record and the line (from 1) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// A record that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub line: usize,
    pub message: &'static str,
}

/// Splits `text` into records. Blank lines are skipped; a record that cannot be read becomes
/// an error and reading resumes on the next line.
pub fn parse_records(text: &str) -> Vec<Result<Record, RecordError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
    };
    let mut out = Vec::new();
    while reader.pos < reader.chars.len() {
        let line = reader.line;
        match reader.record() {
            Ok(fields) => {
                let blank = fields.len() == 1 && fields.iter().all(|f| f.trim().is_empty());
                if !blank {
                    out.push(Ok(Record { line, fields }));
                }
            }
            Err(message) => {
                out.push(Err(RecordError { line, message }));
                reader.skip_line();
            }
        }
    }
    out
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
    line: usize,
}

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    /// Consumes a line break (`\n`, `\r\n` or `\r`) if one is next.
    fn line_break(&mut self) -> bool {
        match self.peek() {
            Some('\n') => {
                self.pos += 1;
            }
            Some('\r') => {
                self.pos += 1;
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
            }
            _ => return false,
        }
        self.line += 1;
        true
    }

    fn skip_line(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' || c == '\r' {
                self.line_break();
                return;
            }
            self.pos += 1;
        }
    }

    /// Whether a quoted field starts here, possibly after spaces.
    fn quoted_start(&self) -> Option<usize> {
        let mut offset = 0;
        while matches!(self.peek_at(offset), Some(' ' | '\t')) {
            offset += 1;
        }
        (self.peek_at(offset) == Some('"')).then_some(offset)
    }

    fn record(&mut self) -> Result<Vec<String>, &'static str> {
        let mut fields = Vec::new();
        loop {
            let field = match self.quoted_start() {
                Some(offset) => {
                    self.pos += offset + 1;
                    self.quoted()?
                }
                None => self.unquoted(),
            };
            fields.push(field);
            if self.peek() == Some(',') {
                self.pos += 1;
                continue;
            }
            self.line_break();
            return Ok(fields);
        }
    }

    fn unquoted(&mut self) -> String {
        let mut field = String::new();
        while let Some(c) = self.peek() {
            if matches!(c, ',' | '\n' | '\r') {
                break;
            }
            field.push(c);
            self.pos += 1;
        }
        field
    }

    fn quoted(&mut self) -> Result<String, &'static str> {
        let mut field = String::new();
        loop {
            match self.peek() {
                None => return Err("A quoted field is not closed: add the missing \""),
                Some('"') if self.peek_at(1) == Some('"') => {
                    field.push('"');
                    self.pos += 2;
                }
                Some('"') => {
                    self.pos += 1;
                    break;
                }
                Some('\n' | '\r') => {
                    self.line_break();
                    field.push('\n');
                }
                Some(c) => {
                    field.push(c);
                    self.pos += 1;
                }
            }
        }
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
        match self.peek() {
            None | Some(',' | '\n' | '\r') => Ok(field),
            Some(_) => Err("Text follows a closing quote: put the whole field in quotes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: usize, fields: &[&str]) -> Result<Record, RecordError> {
        Ok(Record {
            line,
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        })
    }

    #[test]
    fn plain_lines_split_on_commas_and_blank_lines_are_skipped() {
        assert_eq!(
            parse_records("name,domain\r\nAcme,acme.example\n\n  \nSolo\n"),
            vec![
                ok(1, &["name", "domain"]),
                ok(2, &["Acme", "acme.example"]),
                ok(5, &["Solo"]),
            ]
        );
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let text =
            "\u{feff}\"Acme, Inc\",acme.example\n \"Say \"\"hi\"\"\" , x\n\"Two\nlines\",y\nz";
        assert_eq!(
            parse_records(text),
            vec![
                ok(1, &["Acme, Inc", "acme.example"]),
                ok(2, &["Say \"hi\"", " x"]),
                ok(3, &["Two\nlines", "y"]),
                ok(5, &["z"]),
            ]
        );
    }

    #[test]
    fn broken_quotes_are_errors_on_their_line_and_reading_goes_on() {
        let parsed = parse_records("\"Acme\" Inc,acme.example\nGood,good.example\n\"Open,x");
        assert_eq!(parsed.len(), 3);
        assert!(matches!(parsed[0], Err(RecordError { line: 1, .. })));
        assert_eq!(parsed[1], ok(2, &["Good", "good.example"]));
        assert!(matches!(parsed[2], Err(RecordError { line: 3, .. })));
    }

    #[test]
    fn a_trailing_comma_makes_an_empty_last_field() {
        assert_eq!(parse_records("a,"), vec![ok(1, &["a", ""])]);
    }
}
