//! The CSV of statistics: a header line, one line per week (or per school
//! and week for the DNMA export), a declared separator (`;` as the DNMA
//! publishes), fields optionally quoted with `"` (RFC 4180).

use super::{Cell, Level, Row, StatsDocument, WEEK_COLUMN};

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
    let mut lines = records(text, separator)?.into_iter();
    let Some((_, header)) = lines.next() else {
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
    for (line, fields) in lines {
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

/// Splits into records with the line each starts on.
fn records(text: &str, separator: char) -> Result<Vec<(usize, Vec<String>)>, String> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let (mut line, mut start_line) = (1usize, 1usize);
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                out.push((start_line, std::mem::take(&mut fields)));
                line += 1;
                start_line = line;
            }
            c if c == separator => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!(
            "ligne {start_line} : guillemet ouvert jamais fermé"
        ));
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        out.push((start_line, fields));
    }
    Ok(out)
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
}
