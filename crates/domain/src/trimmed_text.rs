use crate::InvalidValue;

/// The rule every text field starts with, as DRF's `CharField` applies it:
/// surrounding whitespace is dropped, then emptiness (when the field does not
/// allow it) and the length limit in characters are checked.
pub(crate) fn trimmed_text(
    input: &str,
    max_chars: usize,
    allow_blank: bool,
) -> Result<&str, InvalidValue> {
    let trimmed = input.trim();
    if trimmed.is_empty() && !allow_blank {
        return Err(InvalidValue::Blank);
    }
    if trimmed.chars().count() > max_chars {
        return Err(InvalidValue::TooLong { max: max_chars });
    }
    Ok(trimmed)
}
