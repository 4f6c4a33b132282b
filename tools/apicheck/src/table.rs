// SPDX-License-Identifier: GPL-2.0

//! The mapping table of `Documentation/driver-api/fwctl-rs.rst`.
//!
//! The table is an reStructuredText simple table between the comment lines
//! [`BEGIN`] and [`END`], with the columns `Kernel`, `Ours`, `Status` and
//! `Reason`. A cell may be written as an inline literal (``` ``Device`` ```);
//! a row whose first two cells are blank continues the row above. `(none)`
//! in `Kernel` or `Ours` means "no such item" (an empty `Ours` cell too; a
//! lone `-` would be a bullet list to docutils).

use std::fmt;

/// The comment line before the table.
pub const BEGIN: &str = ".. fwctl-apicheck: begin";
/// The comment line after the table.
pub const END: &str = ".. fwctl-apicheck: end";

/// What a row says about an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Both sides have the item with the same signature.
    Same,
    /// Both sides have it; the signatures differ.
    Differs,
    /// The kernel has it; we do not.
    Missing,
    /// We have it; the kernel does not.
    Extra,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Same => "same",
            Status::Differs => "differs",
            Status::Missing => "missing",
            Status::Extra => "extra",
        })
    }
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Line of the row in the document (1-based).
    pub line: usize,
    /// The kernel's item key, if the kernel has one.
    pub kernel: Option<String>,
    /// Our item key, if we have one.
    pub ours: Option<String>,
    /// What the row claims.
    pub status: Status,
    /// Why; required unless the status is [`Status::Same`].
    pub reason: String,
}

/// The cell of a side that has no such item.
pub const NONE: &str = "(none)";

const HEADER: [&str; 4] = ["Kernel", "Ours", "Status", "Reason"];

/// Reads the table out of a document.
///
/// # Errors
///
/// The markers are missing or repeated, the table is not a four-column
/// simple table with the expected header, text crosses a column boundary,
/// or a status is unknown. Messages name the document line.
pub fn parse(doc: &str) -> Result<Vec<Row>, String> {
    let lines: Vec<&str> = doc.lines().collect();
    let find = |marker: &str| {
        let at: Vec<usize> = (0..lines.len())
            .filter(|&n| lines[n].trim_end() == marker)
            .collect();
        match at[..] {
            [n] => Ok(n),
            [] => Err(format!("no line '{marker}'")),
            _ => Err(format!("'{marker}' appears {} times", at.len())),
        }
    };
    let (begin, end) = (find(BEGIN)?, find(END)?);
    if end < begin {
        return Err(format!("'{END}' comes before '{BEGIN}'"));
    }
    let is_border = |l: &str| l.starts_with('=') && l.chars().all(|c| c == '=' || c == ' ');
    let borders: Vec<usize> = (begin + 1..end).filter(|&n| is_border(lines[n])).collect();
    let [top, below_header, bottom] = borders[..] else {
        return Err(format!(
            "line {}: the table needs exactly three '=' borders (top, under the header, bottom), found {}",
            begin + 1,
            borders.len()
        ));
    };
    let columns = spans(lines[top]);
    if columns.len() != HEADER.len() {
        return Err(format!(
            "line {}: the table has {} columns, expected {}",
            top + 1,
            columns.len(),
            HEADER.len()
        ));
    }
    let header: Vec<String> = (top + 1..below_header)
        .map(|n| cells(lines[n], n, &columns))
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    if header.iter().map(String::as_str).ne(HEADER) {
        return Err(format!(
            "line {}: the header must be {}, not {}",
            top + 2,
            HEADER.join(", "),
            header.join(", ")
        ));
    }

    let mut rows: Vec<Row> = Vec::new();
    let body = lines.iter().enumerate().take(bottom).skip(below_header + 1);
    for (n, line) in body {
        if line.trim().is_empty() {
            continue;
        }
        let cells = cells(line, n, &columns)?;
        // PANIC: `cells` gives one cell per column, and there are four.
        let [kernel, ours, status, reason] = &cells[..] else {
            unreachable!("four columns");
        };
        if kernel.is_empty() && ours.is_empty() {
            let Some(row) = rows.last_mut() else {
                return Err(format!(
                    "line {}: a continuation line with no row above",
                    n + 1
                ));
            };
            if !status.is_empty() {
                return Err(format!("line {}: a status on a continuation line", n + 1));
            }
            if !row.reason.is_empty() {
                row.reason.push(' ');
            }
            row.reason.push_str(reason);
            continue;
        }
        let status = match status.as_str() {
            "same" => Status::Same,
            "differs" => Status::Differs,
            "missing" => Status::Missing,
            "extra" => Status::Extra,
            other => {
                return Err(format!(
                    "line {}: status '{other}' is none of same, differs, missing, extra",
                    n + 1
                ))
            }
        };
        let item = |cell: &String| (!cell.is_empty() && cell != NONE).then(|| cell.clone());
        rows.push(Row {
            line: n + 1,
            kernel: item(kernel),
            ours: item(ours),
            status,
            reason: reason.clone(),
        });
    }
    Ok(rows)
}

/// Column spans of a border line; the last column reaches to the end of
/// any line.
fn spans(border: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in border.char_indices().chain([(border.len(), ' ')]) {
        match (c, start) {
            ('=', None) => start = Some(i),
            (' ', Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(last) = spans.last_mut() {
        last.1 = usize::MAX;
    }
    spans
}

/// The cells of one line, trimmed and without inline-literal quotes.
fn cells(line: &str, n: usize, columns: &[(usize, usize)]) -> Result<Vec<String>, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut pos = 0;
    for &(start, end) in columns {
        // Between columns only blanks: else the text crosses a boundary
        // (and docutils would reject the table).
        if chars[pos.min(chars.len())..start.min(chars.len())]
            .iter()
            .any(|c| !c.is_whitespace())
        {
            return Err(format!(
                "line {}: text crosses the boundary before column {}",
                n + 1,
                start + 1
            ));
        }
        let end = end.min(chars.len());
        let cell: String = chars[start.min(end)..end].iter().collect();
        let cell = cell.trim();
        let cell = cell
            .strip_prefix("``")
            .and_then(|c| c.strip_suffix("``"))
            .unwrap_or(cell);
        out.push(cell.to_string());
        pos = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
Intro.

.. fwctl-apicheck: begin

==============  ==============  =======  ==================
Kernel          Ours            Status   Reason
==============  ==============  =======  ==================
``Device``      ``Device``      same
``Dev::old``                    missing  Nothing uses it,
                                         and it was unsound.
(none)          ``Kind::Loop``  extra    For the loopback driver.
==============  ==============  =======  ==================

.. fwctl-apicheck: end
";

    #[test]
    fn rows() {
        let rows = parse(DOC).unwrap();
        assert_eq!(
            rows,
            [
                Row {
                    line: 8,
                    kernel: Some("Device".into()),
                    ours: Some("Device".into()),
                    status: Status::Same,
                    reason: String::new(),
                },
                Row {
                    line: 9,
                    kernel: Some("Dev::old".into()),
                    ours: None,
                    status: Status::Missing,
                    reason: "Nothing uses it, and it was unsound.".into(),
                },
                Row {
                    line: 11,
                    kernel: None,
                    ours: Some("Kind::Loop".into()),
                    status: Status::Extra,
                    reason: "For the loopback driver.".into(),
                },
            ]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let crossed = DOC.replace("``Dev::old``     ", "``Dev::old_long_name``");
        assert_eq!(
            parse(&crossed).unwrap_err(),
            "line 9: text crosses the boundary before column 17"
        );
        let bad = DOC.replace("missing  Nothing", "gone     Nothing");
        assert!(parse(&bad)
            .unwrap_err()
            .starts_with("line 9: status 'gone'"));
        assert_eq!(
            parse("no table").unwrap_err(),
            "no line '.. fwctl-apicheck: begin'"
        );
    }
}
