//! What a client sent for one field, before any rule is applied.

/// The raw value of one input field, in the terms DRF's parsers give it.
///
/// Transports build it: JSON strings and numbers become [`FieldValue::Text`]
/// (DRF's `CharField` accepts numbers), `null` becomes [`FieldValue::Null`],
/// booleans become [`FieldValue::Bool`], arrays and objects [`FieldValue::NotText`].
#[derive(Clone, Default, PartialEq, Eq)]
pub enum FieldValue {
    /// The field was not sent.
    #[default]
    Missing,
    /// The field was sent as `null`.
    Null,
    /// The field was sent as a boolean.
    Bool(bool),
    /// The field was sent as an array or object.
    NotText,
    /// The field's text.
    Text(String),
}

impl FieldValue {
    /// Wraps text.
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    /// The text, when the field holds some.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

impl std::fmt::Debug for FieldValue {
    // Field values include passwords: show their kind, never their text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing => f.write_str("Missing"),
            Self::Null => f.write_str("Null"),
            Self::Bool(value) => write!(f, "Bool({value})"),
            Self::NotText => f.write_str("NotText"),
            Self::Text(text) => write!(f, "Text({} chars)", text.chars().count()),
        }
    }
}

/// Reads any self-describing value (a JSON value, a form field) the way DRF's
/// fields see it, so transport types can hold `FieldValue`s and leave every
/// judgement to the use cases. A field absent from the input is
/// [`FieldValue::Missing`] through `#[serde(default)]`.
impl<'de> serde::Deserialize<'de> for FieldValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldValueVisitor)
    }
}

struct FieldValueVisitor;

impl<'de> serde::de::Visitor<'de> for FieldValueVisitor {
    type Value = FieldValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }

    fn visit_str<E>(self, text: &str) -> Result<FieldValue, E> {
        Ok(FieldValue::text(text))
    }

    fn visit_string<E>(self, text: String) -> Result<FieldValue, E> {
        Ok(FieldValue::Text(text))
    }

    fn visit_bool<E>(self, value: bool) -> Result<FieldValue, E> {
        Ok(FieldValue::Bool(value))
    }

    // DRF's CharField takes a number as its text.
    fn visit_i64<E>(self, value: i64) -> Result<FieldValue, E> {
        Ok(FieldValue::Text(value.to_string()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<FieldValue, E> {
        Ok(FieldValue::Text(value.to_string()))
    }

    // `{:?}` keeps the fraction of a whole float ("1.0"), as Python's str() does.
    fn visit_f64<E>(self, value: f64) -> Result<FieldValue, E> {
        Ok(FieldValue::Text(format!("{value:?}")))
    }

    fn visit_unit<E>(self) -> Result<FieldValue, E> {
        Ok(FieldValue::Null)
    }

    fn visit_none<E>(self) -> Result<FieldValue, E> {
        Ok(FieldValue::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, inner: D) -> Result<FieldValue, D::Error> {
        inner.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<FieldValue, A::Error> {
        while items.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(FieldValue::NotText)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut entries: A,
    ) -> Result<FieldValue, A::Error> {
        while entries
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(FieldValue::NotText)
    }
}

/// The raw value of a field that takes a list of choices (DRF's
/// `MultipleChoiceField`), before any rule is applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ListValue {
    /// The field was not sent.
    #[default]
    Missing,
    /// The field was sent as `null`.
    Null,
    /// The field was sent as something other than a list: the Python name
    /// of its type (`str`, `int`, `float`, `bool`, `dict`), for the message.
    NotAList(&'static str),
    /// The items, each as Python's `str()` writes it (`True`, `None`, `1.5`),
    /// which is how DRF names an invalid choice.
    Items(Vec<String>),
}

impl<'de> serde::Deserialize<'de> for ListValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ListValueVisitor)
    }
}

struct ListValueVisitor;

impl<'de> serde::de::Visitor<'de> for ListValueVisitor {
    type Value = ListValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }

    fn visit_str<E>(self, _: &str) -> Result<ListValue, E> {
        Ok(ListValue::NotAList("str"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<ListValue, E> {
        Ok(ListValue::NotAList("bool"))
    }

    fn visit_i64<E>(self, _: i64) -> Result<ListValue, E> {
        Ok(ListValue::NotAList("int"))
    }

    fn visit_u64<E>(self, _: u64) -> Result<ListValue, E> {
        Ok(ListValue::NotAList("int"))
    }

    fn visit_f64<E>(self, _: f64) -> Result<ListValue, E> {
        Ok(ListValue::NotAList("float"))
    }

    fn visit_unit<E>(self) -> Result<ListValue, E> {
        Ok(ListValue::Null)
    }

    fn visit_none<E>(self) -> Result<ListValue, E> {
        Ok(ListValue::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, inner: D) -> Result<ListValue, D::Error> {
        inner.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<ListValue, A::Error> {
        let mut texts = Vec::new();
        while let Some(PythonText(text)) = items.next_element()? {
            texts.push(text);
        }
        Ok(ListValue::Items(texts))
    }

    // A JSON object is not a list. (DRF would iterate a dict's keys; the
    // contract's reading is the plain one.)
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut entries: A,
    ) -> Result<ListValue, A::Error> {
        while entries
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(ListValue::NotAList("dict"))
    }
}

/// One item of a list, as Python's `str()` writes it.
struct PythonText(String);

impl<'de> serde::Deserialize<'de> for PythonText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PythonTextVisitor { nested: false })
    }
}

/// Writes a value as Python's `str()` does; inside a container, strings are
/// quoted as `repr()` quotes them.
struct PythonTextVisitor {
    nested: bool,
}

struct NestedPythonText(String);

impl<'de> serde::Deserialize<'de> for NestedPythonText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(PythonTextVisitor { nested: true })
            .map(|PythonText(text)| Self(text))
    }
}

impl<'de> serde::de::Visitor<'de> for PythonTextVisitor {
    type Value = PythonText;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }

    fn visit_str<E>(self, text: &str) -> Result<PythonText, E> {
        Ok(PythonText(if self.nested {
            format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
        } else {
            text.to_owned()
        }))
    }

    fn visit_bool<E>(self, value: bool) -> Result<PythonText, E> {
        Ok(PythonText(if value { "True" } else { "False" }.to_owned()))
    }

    fn visit_i64<E>(self, value: i64) -> Result<PythonText, E> {
        Ok(PythonText(value.to_string()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<PythonText, E> {
        Ok(PythonText(value.to_string()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<PythonText, E> {
        Ok(PythonText(format!("{value:?}")))
    }

    fn visit_unit<E>(self) -> Result<PythonText, E> {
        Ok(PythonText("None".to_owned()))
    }

    fn visit_none<E>(self) -> Result<PythonText, E> {
        Ok(PythonText("None".to_owned()))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, inner: D) -> Result<PythonText, D::Error> {
        inner.deserialize_any(self)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<PythonText, A::Error> {
        let mut texts = Vec::new();
        while let Some(NestedPythonText(text)) = items.next_element()? {
            texts.push(text);
        }
        Ok(PythonText(format!("[{}]", texts.join(", "))))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut entries: A,
    ) -> Result<PythonText, A::Error> {
        let mut texts = Vec::new();
        while let Some((NestedPythonText(key), NestedPythonText(value))) = entries.next_entry()? {
            texts.push(format!("{key}: {value}"));
        }
        Ok(PythonText(format!("{{{}}}", texts.join(", "))))
    }
}
