//! EMVCo data objects: `ID(2) LEN(2) VALUE(LEN characters)`, templates nested one level or more.

use super::QrisError;

/// One data object. `value` is kept as written, so an untouched object re-serialises byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataObject {
    /// Two-digit tag.
    pub id: String,
    /// The value as written.
    pub value: String,
    /// Sub-objects when the tag is a template (26–51, 62, 64, 80–99).
    pub children: Option<Vec<DataObject>>,
    /// Character offset of the tag in the whole payload.
    pub offset: usize,
}

impl DataObject {
    /// A primitive object (offset unknown: built, not parsed).
    pub fn primitive(id: &str, value: &str) -> Self {
        Self {
            id: id.to_owned(),
            value: value.to_owned(),
            children: None,
            offset: 0,
        }
    }

    /// A template object built from sub-objects.
    pub fn template(id: &str, children: Vec<DataObject>) -> Self {
        Self {
            id: id.to_owned(),
            value: encode(&children),
            children: Some(children),
            offset: 0,
        }
    }

    /// The value's length in characters.
    pub fn len(&self) -> usize {
        self.value.chars().count()
    }

    /// Whether the value is empty (never true for a parsed object).
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// `ID LEN VALUE`.
    pub fn encode(&self) -> String {
        format!("{}{:02}{}", self.id, self.len(), self.value)
    }

    /// A sub-object of a template.
    pub fn child(&self, id: &str) -> Option<&DataObject> {
        self.children.as_ref()?.iter().find(|c| c.id == id)
    }
}

/// Whether values under this top-level tag are themselves data objects.
pub fn is_template(id: &str) -> bool {
    matches!(id.parse::<u8>(), Ok(26..=51 | 62 | 64 | 80..=99))
}

/// Concatenates encoded objects.
pub fn encode(objects: &[DataObject]) -> String {
    objects.iter().map(DataObject::encode).collect()
}

/// Parses a list of data objects. `base` is the character offset of `input` within the payload and
/// `path` the enclosing tag (empty at top level). Top-level templates are parsed recursively.
pub fn parse_list(input: &str, base: usize, path: &str) -> Result<Vec<DataObject>, QrisError> {
    let chars: Vec<(usize, char)> = input.char_indices().collect();
    let byte_at = |i: usize| chars.get(i).map_or(input.len(), |(b, _)| *b);
    let mut objects: Vec<DataObject> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let offset = base + i;
        if chars.len() - i < 4 {
            return Err(QrisError::Truncated { offset });
        }
        let digits = |from: usize| -> Option<String> {
            let s: String = chars[from..from + 2].iter().map(|(_, c)| *c).collect();
            s.bytes().all(|b| b.is_ascii_digit()).then_some(s)
        };
        let id = digits(i).ok_or(QrisError::BadTag { offset })?;
        let tag = if path.is_empty() {
            id.clone()
        } else {
            format!("{path}.{id}")
        };
        let length: usize = digits(i + 2)
            .ok_or_else(|| QrisError::BadLength {
                tag: tag.clone(),
                offset,
            })?
            .parse()
            .expect("two digits");
        if length == 0 {
            return Err(QrisError::ZeroLength { tag, offset });
        }
        let start = i + 4;
        let available = chars.len() - start;
        if length > available {
            return Err(QrisError::LengthPastEnd {
                tag,
                offset,
                length,
                available,
            });
        }
        if objects.iter().any(|o| o.id == id) {
            return Err(QrisError::DuplicateTag { tag, offset });
        }
        let value = input[byte_at(start)..byte_at(start + length)].to_owned();
        let children = if path.is_empty() && is_template(&id) {
            Some(parse_list(&value, base + start, &id)?)
        } else {
            None
        };
        objects.push(DataObject {
            id,
            value,
            children,
            offset,
        });
        i = start + length;
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_not_bytes() {
        let objects = parse_list("0002ZH0104最佳运输0202北京", 0, "64").unwrap();
        assert_eq!(objects[1].value, "最佳运输");
        assert_eq!(objects[2].offset, 14);
        assert_eq!(encode(&objects), "0002ZH0104最佳运输0202北京");
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(
            parse_list("00020101", 0, ""),
            Err(QrisError::Truncated { offset: 6 })
        );
        assert_eq!(
            parse_list("0A0201", 0, ""),
            Err(QrisError::BadTag { offset: 0 })
        );
        assert_eq!(
            parse_list("00X101", 0, ""),
            Err(QrisError::BadLength {
                tag: "00".into(),
                offset: 0
            })
        );
        assert_eq!(
            parse_list("0002010105abc", 0, ""),
            Err(QrisError::LengthPastEnd {
                tag: "01".into(),
                offset: 6,
                length: 5,
                available: 3
            })
        );
        assert_eq!(
            parse_list("0002011100", 0, ""),
            Err(QrisError::ZeroLength {
                tag: "11".into(),
                offset: 6
            })
        );
        assert_eq!(
            parse_list("00020100020x", 0, ""),
            Err(QrisError::DuplicateTag {
                tag: "00".into(),
                offset: 6
            })
        );
        assert_eq!(
            parse_list("62040501", 10, ""),
            Err(QrisError::LengthPastEnd {
                tag: "62.05".into(),
                offset: 14,
                length: 1,
                available: 0
            }),
            "errors inside templates carry the path and the absolute offset"
        );
    }
}
