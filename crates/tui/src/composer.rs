//! The composer: a multi-line text buffer with a cursor, and how it wraps to the screen.

use unicode_width::UnicodeWidthChar;

/// Text being typed. The cursor is a byte offset that is always on a character boundary.
#[derive(Debug, Default, Clone)]
pub struct Composer {
    text: String,
    cursor: usize,
}

impl Composer {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Replaces the text, with the cursor at its end.
    pub fn set(&mut self, text: &str) {
        self.text = text.to_owned();
        self.cursor = self.text.len();
    }

    /// Empties the composer and returns what it held.
    pub fn take(&mut self) -> String {
        self.cursor = 0;
        std::mem::take(&mut self.text)
    }

    pub fn insert(&mut self, c: char) {
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    /// Inserts pasted text; carriage returns become newlines and other control characters
    /// (but tabs) are dropped, so a paste cannot smuggle escape sequences into a message.
    pub fn insert_str(&mut self, s: &str) {
        let clean: String = s
            .replace("\r\n", "\n")
            .chars()
            .map(|c| if c == '\r' { '\n' } else { c })
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    fn prev_boundary(&self) -> Option<usize> {
        self.text[..self.cursor]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
    }

    fn next_boundary(&self) -> Option<usize> {
        self.text[self.cursor..]
            .chars()
            .next()
            .map(|c| self.cursor + c.len_utf8())
    }

    pub fn backspace(&mut self) {
        if let Some(at) = self.prev_boundary() {
            self.text.replace_range(at..self.cursor, "");
            self.cursor = at;
        }
    }

    pub fn delete(&mut self) {
        if let Some(end) = self.next_boundary() {
            self.text.replace_range(self.cursor..end, "");
        }
    }

    pub fn left(&mut self) {
        if let Some(at) = self.prev_boundary() {
            self.cursor = at;
        }
    }

    pub fn right(&mut self) {
        if let Some(at) = self.next_boundary() {
            self.cursor = at;
        }
    }

    fn line_start(&self) -> usize {
        self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self) -> usize {
        self.text[self.cursor..]
            .find('\n')
            .map_or(self.text.len(), |i| self.cursor + i)
    }

    pub fn home(&mut self) {
        self.cursor = self.line_start();
    }

    pub fn end(&mut self) {
        self.cursor = self.line_end();
    }

    /// Moves to the line above, keeping the column where it can. Returns `false` on the first
    /// line.
    pub fn up(&mut self) -> bool {
        let start = self.line_start();
        if start == 0 {
            return false;
        }
        let column = self.text[start..self.cursor].chars().count();
        let above = self.text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        self.cursor = advance(&self.text, above, start - 1, column);
        true
    }

    /// Moves to the line below. Returns `false` on the last line.
    pub fn down(&mut self) -> bool {
        let end = self.line_end();
        if end == self.text.len() {
            return false;
        }
        let column = self.text[self.line_start()..self.cursor].chars().count();
        let below_end = self.text[end + 1..]
            .find('\n')
            .map_or(self.text.len(), |i| end + 1 + i);
        self.cursor = advance(&self.text, end + 1, below_end, column);
        true
    }

    /// Deletes the word before the cursor (Ctrl+W).
    pub fn delete_word(&mut self) {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end();
        let start = trimmed.rfind(char::is_whitespace).map_or(0, |i| {
            i + trimmed[i..].chars().next().map_or(1, char::len_utf8)
        });
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// Deletes from the start of the line to the cursor (Ctrl+U).
    pub fn delete_to_line_start(&mut self) {
        let start = self.line_start();
        self.text.replace_range(start..self.cursor, "");
        self.cursor = start;
    }

    /// The word the cursor is at the end of, for Tab completion.
    pub fn word_before_cursor(&self) -> &str {
        let before = &self.text[..self.cursor];
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        &before[start..]
    }

    /// Replaces the word before the cursor with `word`.
    pub fn replace_word_before_cursor(&mut self, word: &str) {
        let start = self.cursor - self.word_before_cursor().len();
        self.text.replace_range(start..self.cursor, word);
        self.cursor = start + word.len();
    }

    /// The text cut into rows of at most `width` columns (breaking at newlines and, inside a
    /// line, wherever it is full), and the cursor's (row, column) among them.
    pub fn rows(&self, width: u16) -> (Vec<String>, (u16, u16)) {
        let width = usize::from(width.max(2));
        let mut rows = vec![String::new()];
        let mut used = 0;
        let mut cursor = (0, 0);
        for (i, c) in self.text.char_indices() {
            if i == self.cursor {
                cursor = (rows.len() - 1, used);
            }
            if c == '\n' {
                rows.push(String::new());
                used = 0;
                continue;
            }
            let w = c.width().unwrap_or(0);
            if used + w > width {
                rows.push(String::new());
                used = 0;
            }
            rows.last_mut().expect("one row").push(c);
            used += w;
        }
        if self.cursor == self.text.len() {
            if used >= width {
                rows.push(String::new());
                used = 0;
            }
            cursor = (rows.len() - 1, used);
        }
        let row = u16::try_from(cursor.0).unwrap_or(u16::MAX);
        let col = u16::try_from(cursor.1).unwrap_or(u16::MAX);
        (rows, (row, col))
    }
}

/// The byte offset `column` characters after `from`, but not past `limit`.
fn advance(text: &str, from: usize, limit: usize, column: usize) -> usize {
    text[from..limit]
        .char_indices()
        .nth(column)
        .map_or(limit, |(i, _)| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(s: &str) -> Composer {
        let mut c = Composer::default();
        for ch in s.chars() {
            c.insert(ch);
        }
        c
    }

    #[test]
    fn editing_moves_over_whole_characters() {
        let mut c = typed("héllo 👋");
        c.backspace();
        assert_eq!(c.text(), "héllo ");
        c.home();
        c.right();
        c.right();
        c.backspace();
        assert_eq!(c.text(), "hllo ");
        c.delete();
        assert_eq!(c.text(), "hlo ");
        c.end();
        c.insert('!');
        assert_eq!(c.take(), "hlo !");
        assert!(c.is_empty());
    }

    #[test]
    fn up_and_down_move_between_lines_keeping_the_column() {
        let mut c = typed("first line\nab");
        assert!(c.up());
        c.insert('X');
        assert_eq!(c.text(), "fiXrst line\nab");
        assert!(c.down());
        c.insert('Y');
        assert_eq!(c.text(), "fiXrst line\nabY");
        assert!(!c.down());
        c.up();
        assert!(!c.up());
    }

    #[test]
    fn words_are_deleted_and_completed_before_the_cursor() {
        let mut c = typed("hello @al");
        assert_eq!(c.word_before_cursor(), "@al");
        c.replace_word_before_cursor("@alice ");
        assert_eq!(c.text(), "hello @alice ");
        c.delete_word();
        assert_eq!(c.text(), "hello ");
        c.delete_to_line_start();
        assert!(c.is_empty());
        let mut c = typed("こんにちは\u{3000}@al");
        assert_eq!(c.word_before_cursor(), "@al");
        c.replace_word_before_cursor("@alice");
        assert_eq!(c.text(), "こんにちは\u{3000}@alice");
    }

    #[test]
    fn pasted_control_characters_are_dropped_and_line_ends_kept() {
        let mut c = Composer::default();
        c.insert_str("a\r\nb\x1b[31mc\td");
        assert_eq!(c.text(), "a\nb[31mc\td");
    }

    #[test]
    fn rows_wrap_by_display_width_and_place_the_cursor() {
        let c = typed("abcdef\n日本語");
        let (rows, cursor) = c.rows(4);
        assert_eq!(rows, ["abcd", "ef", "日本", "語"]);
        assert_eq!(cursor, (3, 2));
        let (rows, cursor) = typed("abcd").rows(4);
        assert_eq!(rows, ["abcd", ""]);
        assert_eq!(cursor, (1, 0));
    }
}
