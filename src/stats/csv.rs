//! The CSV of statistics: a header line, one line per week (or per school
//! and week for the DNMA export), a declared separator (`;` as the DNMA
//! publishes), fields optionally quoted with `"` (RFC 4180).
//!
//! Fields are cut by `csv-core`, the parser of the `csv` crate, fed one
//! field at a time: the columns of a line, the cells of the table and the
//! size of a field are bounded as they come, so a candidate's CSV of
//! millions of empty cells is refused before it is built (`csv::Reader`
//! would first buffer a whole line: 100 MB for a 2 MiB line of `;`).

use super::{Cell, Level, Row, StatsDocument, WEEK_COLUMN};

/// Most columns in a line: the DNMA publishes a few dozen.
pub(super) const MAX_CSV_COLUMNS: usize = 1_000;
/// Most cells (header included) in a table: each costs some fifty bytes
/// once read, against one or two in the text.
pub(super) const MAX_CSV_CELLS: usize = 1_000_000;
/// Longest field, in bytes: counts, dates, UAIs and labels.
pub(super) const MAX_CSV_FIELD: usize = 64 << 10;

/// A parsed CSV table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvTable {
    /// Column names, in order.
    pub header: Vec<String>,
    /// Records, each as long as the header.
    pub records: Vec<Vec<String>>,
}

/// Parses `text`; an error names the line.
pub fn parse_csv(text: &str, separator: char) -> Result<CsvTable, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Records::new(text, separator)?;
    let Some((_, header)) = records.next_record()? else {
        return Err("CSV vide : aucune ligne d'en-tête".to_owned());
    };
    let header: Vec<String> = header.into_iter().map(|h| h.trim().to_owned()).collect();
    if header.len() < 2 {
        let other = [',', ';', '\t']
            .into_iter()
            .find(|c| *c != separator && header.first().is_some_and(|h| h.contains(*c)));
        return Err(match other {
            Some(found) => format!(
                "ligne 1 : une seule colonne avec le séparateur « {separator} » ; l'en-tête est \
                 séparé par « {found} »"
            ),
            None => format!("ligne 1 : une seule colonne avec le séparateur « {separator} »"),
        });
    }
    let mut table = CsvTable {
        header,
        records: Vec::new(),
    };
    while let Some((line, fields)) = records.next_record()? {
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue;
        }
        if fields.len() != table.header.len() {
            return Err(format!(
                "ligne {line} : {} champs pour {} colonnes d'en-tête",
                fields.len(),
                table.header.len()
            ));
        }
        table.records.push(fields);
    }
    Ok(table)
}

/// The records of a text, each with the line it starts on, within the
/// bounds above.
struct Records<'a> {
    text: &'a [u8],
    at: usize,
    parser: csv_core::Reader,
    /// One field's bytes, one more than the field bound.
    field: Vec<u8>,
    cells: usize,
}

fn too_long(line: u64) -> String {
    format!("ligne {line} : champ de plus de {MAX_CSV_FIELD} octets (lecture arrêtée)")
}

impl<'a> Records<'a> {
    fn new(text: &'a str, separator: char) -> Result<Self, String> {
        // csv-core splits bytes; a separator outside ASCII would be cut in
        // the middle (the suite file is checked for this too).
        let delimiter = u8::try_from(separator)
            .ok()
            .filter(|b| b.is_ascii() && !matches!(b, b'"' | b'\r' | b'\n'))
            .ok_or_else(|| {
                format!("séparateur « {separator} » : un seul caractère ASCII autre que « \" »")
            })?;
        Ok(Self {
            text: text.as_bytes(),
            at: 0,
            parser: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            field: vec![0; MAX_CSV_FIELD + 1],
            cells: 0,
        })
    }

    fn next_record(&mut self) -> Result<Option<(u64, Vec<String>)>, String> {
        use csv_core::ReadFieldResult;
        // Blank lines are skipped here rather than by csv-core, so that
        // the line a record starts on is known before its first field
        // (a quoted field may span lines).
        while let Some(&byte @ (b'\n' | b'\r')) = self.text.get(self.at) {
            self.at += 1;
            if byte == b'\n' {
                self.parser.set_line(self.parser.line() + 1);
            }
        }
        if self.at == self.text.len() {
            return Ok(None);
        }
        let line = self.parser.line();
        let mut fields = Vec::new();
        let mut filled = 0;
        loop {
            let ended = self.at == self.text.len();
            // csv-core never reports a quote left open: it ends the field
            // at the end of its input. A line end fed after the text tells:
            // outside quotes it ends the record, inside it is field data.
            let input = if ended {
                &b"\n"[..]
            } else {
                &self.text[self.at..]
            };
            let (result, read, written) = self.parser.read_field(input, &mut self.field[filled..]);
            filled += written;
            if !ended {
                self.at += read;
            }
            match result {
                // The buffer is one byte longer than the bound: csv-core
                // stops on a full buffer before it can see the field end.
                ReadFieldResult::OutputFull => return Err(too_long(line)),
                ReadFieldResult::Field { .. } if filled > MAX_CSV_FIELD => {
                    return Err(too_long(line));
                }
                ReadFieldResult::Field { record_end } => {
                    if fields.len() == MAX_CSV_COLUMNS {
                        return Err(format!(
                            "ligne {line} : plus de {MAX_CSV_COLUMNS} champs (lecture arrêtée)"
                        ));
                    }
                    self.cells += 1;
                    if self.cells > MAX_CSV_CELLS {
                        return Err(format!(
                            "ligne {line} : plus de {MAX_CSV_CELLS} cellules dans le CSV \
                             (lecture arrêtée)"
                        ));
                    }
                    let field = String::from_utf8(self.field[..filled].to_vec()).map_err(|_| {
                        format!("ligne {line} : champ coupé au milieu d'un caractère")
                    })?;
                    fields.push(field);
                    filled = 0;
                    if record_end || ended {
                        return Ok(Some((line, fields)));
                    }
                }
                ReadFieldResult::InputEmpty if ended => {
                    return Err(format!("ligne {line} : guillemet ouvert jamais fermé"));
                }
                ReadFieldResult::InputEmpty => {}
                ReadFieldResult::End => return Ok(Some((line, fields))),
            }
        }
    }
}

impl CsvTable {
    /// Index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The records as a document of `level`: `debutsemaine` apart, every
    /// column in `counted` read as a count; the other columns are left out.
    pub fn document(
        &self,
        level: Level,
        id: &str,
        counted: &dyn Fn(&str) -> bool,
    ) -> StatsDocument {
        let week = self.column(WEEK_COLUMN);
        let kept: Vec<usize> = (0..self.header.len())
            .filter(|&i| self.header[i] != WEEK_COLUMN && counted(&self.header[i]))
            .collect();
        let rows = self
            .records
            .iter()
            .map(|record| Row {
                week: week
                    .and_then(|i| record.get(i))
                    .cloned()
                    .unwrap_or_default(),
                values: kept
                    .iter()
                    .map(|&i| record.get(i).map(|v| Cell::from_text(v)))
                    .collect(),
            })
            .collect();
        let columns = kept.iter().map(|&i| self.header[i].clone()).collect();
        StatsDocument::table(level, id, Vec::new(), columns, rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quoted_fields_and_names_bad_lines() {
        let table = parse_csv(
            "\u{feff}debutsemaine;uai;visites_globales\r\n2026-11-23;\"0990003C\";7\n2026-11-30;\"a;\"\"b\";\n",
            ';',
        )
        .expect("parses");
        assert_eq!(table.header, ["debutsemaine", "uai", "visites_globales"]);
        assert_eq!(table.records[1], ["2026-11-30", "a;\"b", ""]);
        let doc = table.document(Level::Ecole, "0990003C", &|name| {
            name.starts_with("visites")
        });
        assert_eq!(
            doc.get(&doc.rows[0], "visites_globales"),
            Some(&Cell::Count(7))
        );
        assert_eq!(
            doc.get(&doc.rows[1], "visites_globales"),
            Some(&Cell::Suppressed)
        );
        assert_eq!(doc.get(&doc.rows[0], "uai"), None);

        let short = parse_csv("a;b;c\n1;2\n", ';').expect_err("short line");
        assert_eq!(short, "ligne 2 : 2 champs pour 3 colonnes d'en-tête");
        let comma = parse_csv("a,b,c\n1,2,3\n", ';').expect_err("wrong separator");
        assert!(comma.contains("séparé par « , »"), "{comma}");
        assert!(parse_csv("", ';').is_err());
        assert!(parse_csv("a;b\n\"1;2\n", ';').is_err_and(|e| e.contains("ligne 2")));
    }

    #[test]
    fn lines_are_counted_across_blank_lines_and_quoted_line_ends() {
        // Line 1 header, 2 blank, 3-4 one quoted field over two lines,
        // 5 blank (CRLF), 6 a short record.
        let text = "a;b\n\n\"x\ny\";1\r\n\r\n3\n";
        assert_eq!(
            parse_csv(text, ';').expect_err("short"),
            "ligne 6 : 1 champs pour 2 colonnes d'en-tête"
        );
        let open = parse_csv("a;b\n1;2\n\n\"3;4\n5;6\n", ';').expect_err("open quote");
        assert_eq!(open, "ligne 4 : guillemet ouvert jamais fermé");
        // A quote closed as the text ends, or doubled inside, is not open.
        let closed = parse_csv("a;b\n1;\"2\"", ';').expect("closed at the end");
        assert_eq!(closed.records, [["1", "2"]]);
        // A doubled quote is a quote: `"2"""` is closed and reads `2"`,
        // `"2""` is still open.
        let doubled = parse_csv("a;b\n1;\"2\"\"\"", ';').expect("doubled, then closed");
        assert_eq!(doubled.records, [["1", "2\""]]);
        let open = parse_csv("a;b\n1;\"2\"\"", ';').expect_err("doubled, still open");
        assert!(open.contains("ligne 2"), "{open}");
    }

    #[test]
    fn quoting_and_line_ends_read_as_before() {
        let table = parse_csv(
            "  a ; b \r\n\"x;y\";\"sur\ndeux\"\r\n\"ab\"cd;e\"f\n   \n\"\"\n1;\n",
            ';',
        )
        .expect("parses");
        assert_eq!(table.header, ["a", "b"]);
        assert_eq!(
            table.records,
            [
                vec!["x;y", "sur\ndeux"],
                // Text after a closing quote is kept; a quote inside an
                // unquoted field is a character.
                vec!["abcd", "e\"f"],
                // Whitespace-only and empty quoted lines are left out.
                vec!["1", ""],
            ]
        );
        let tabs = parse_csv("a\tb\n1\t2", '\t').expect("tabs");
        assert_eq!(tabs.records, [["1", "2"]]);
        assert_eq!(
            parse_csv("\u{feff}", ';').expect_err("empty"),
            "CSV vide : aucune ligne d'en-tête"
        );
        assert!(parse_csv("a§b\n1§2\n", '§').is_err_and(|e| e.contains("ASCII")));
    }

    #[test]
    fn columns_cells_and_fields_are_bounded_as_they_come() {
        // Millions of empty cells on one line: refused at the column bound.
        let wide = ";".repeat(4 << 20);
        let error = parse_csv(&wide, ';').expect_err("too wide");
        assert_eq!(error, "ligne 1 : plus de 1000 champs (lecture arrêtée)");
        // Millions of tiny cells over many lines: refused at the cell bound.
        let mut tall = "a;b\n".to_owned();
        tall.push_str(&"1;2\n".repeat(MAX_CSV_CELLS / 2));
        let error = parse_csv(&tall, ';').expect_err("too many cells");
        assert_eq!(
            error,
            format!(
                "ligne {} : plus de 1000000 cellules dans le CSV (lecture arrêtée)",
                MAX_CSV_CELLS / 2 + 1
            )
        );
        let tall = format!("a;b\n{}", "1;2\n".repeat(MAX_CSV_CELLS / 2 - 1));
        assert_eq!(
            parse_csv(&tall, ';').expect("at the bound").records.len(),
            MAX_CSV_CELLS / 2 - 1
        );
        // A field of exactly the bound is read; one byte more is refused,
        // quoted or not.
        let field = "x".repeat(MAX_CSV_FIELD);
        let table = parse_csv(&format!("a;b\n{field};1\n"), ';').expect("at the bound");
        assert_eq!(table.records[0][0].len(), MAX_CSV_FIELD);
        for text in [
            format!("a;b\n{field}x;1\n"),
            format!("a;b\n1;\"{field}\"\"\"\n"),
            format!("a;b\n1;{field}y"),
        ] {
            let error = parse_csv(&text, ';').expect_err("too long");
            assert_eq!(
                error,
                "ligne 2 : champ de plus de 65536 octets (lecture arrêtée)"
            );
        }
    }
}
