//! Text from stack files and from AWS, made safe for where it is printed: control characters
//! (escape sequences a terminal would obey, newlines that would fake a line of output) shown as
//! `\u{1b}`-style escapes; HTML's special characters escaped inside the pull request comment's
//! tags and lines (which a newline can no longer leave); and code fences longer than any run of backticks in the code they hold, so no value
//! can close the block and write markdown of its own.

use std::borrow::Cow;

/// `s` with every control character (newlines and tabs included) written as an escape.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect())
}

/// `s` for HTML text or attribute content (`<code>`, `<summary>`), printable.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            other => out.push(other),
        }
    }
    out
}

/// A code fence for `content`: three backticks, or one more than its longest run of them.
pub fn fence_for(content: &str) -> String {
    let longest = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// At most `width` characters of `line` around character `column` (1-based), with `…` where
/// cut, and the column's position in what is kept.
pub fn window(line: &str, column: usize, width: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= width {
        return (chars.into_iter().collect(), column);
    }
    let start = column.saturating_sub(width / 2).min(chars.len() - width);
    let mut kept: String = chars[start..start + width].iter().collect();
    let mut at = column - start;
    if start > 0 {
        kept.insert(0, '…');
        at += 1;
    }
    if start + width < chars.len() {
        kept.push('…');
    }
    (kept, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_html_and_fences_are_neutralised() {
        assert_eq!(printable("team"), "team");
        assert_eq!(printable("a\u{1b}[31mred\nb"), "a\\u{1b}[31mred\\nb");
        assert_eq!(html("<b>`x`</b> & \"y\""), "&lt;b&gt;`x`&lt;/b&gt; &amp; &quot;y&quot;");
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("a ``` b"), "````");
        assert_eq!(fence_for("a ````` b"), "``````");
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = "x".repeat(1000) + "HERE" + &"y".repeat(1000);
        let (kept, at) = window(&line, 1001, 80);
        assert!(kept.chars().count() <= 82, "{kept}");
        assert_eq!(kept.chars().nth(at - 1), Some('H'));
        assert_eq!(window("short", 3, 80), ("short".to_owned(), 3));
    }
}
