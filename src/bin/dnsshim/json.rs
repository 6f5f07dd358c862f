//! Just enough JSON output for `check --json` (no dependency for it).

use std::fmt::Write as _;

/// A JSON value, built by hand and printed with [`Value::write`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Num(i64),
    Str(String),
    Arr(Vec<Value>),
    /// Keys in insertion order.
    Obj(Vec<(String, Value)>),
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::Arr(v.into_iter().map(Into::into).collect())
    }
}

/// An object under construction.
#[derive(Default)]
pub struct Obj(Vec<(String, Value)>);

impl Obj {
    pub fn new() -> Obj {
        Obj::default()
    }

    pub fn set(mut self, key: &str, v: impl Into<Value>) -> Obj {
        self.0.push((key.to_string(), v.into()));
        self
    }

    pub fn build(self) -> Value {
        Value::Obj(self.0)
    }
}

impl Value {
    /// Compact JSON; `indent` adds newlines and two-space indentation at the top levels.
    pub fn write(&self, out: &mut String, indent: usize) {
        let pad = |out: &mut String, n: usize| {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', n * 2));
        };
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Num(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Str(s) => string(out, s),
            Value::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if indent > 0 {
                        pad(out, 1);
                    }
                    v.write(out, indent.saturating_sub(1));
                }
                if indent > 0 && !items.is_empty() {
                    out.push('\n');
                }
                out.push(']');
            }
            Value::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    string(out, k);
                    out.push(':');
                    v.write(out, 0);
                }
                out.push('}');
            }
        }
    }
}

/// A JSON string literal: `"`, `\` and control characters escaped.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes() {
        let v = Value::Arr(vec![
            Obj::new()
                .set("a", "x\"y\\\n\u{1}é")
                .set("b", true)
                .set("c", Value::Null)
                .set("d", vec!["p", "q"])
                .set("e", Value::Num(-3))
                .build(),
            Value::Arr(vec![]),
        ]);
        let mut s = String::new();
        v.write(&mut s, 1);
        assert_eq!(
            s,
            "[\n  {\"a\":\"x\\\"y\\\\\\n\\u0001é\",\"b\":true,\"c\":null,\"d\":[\"p\",\"q\"],\"e\":-3},\n  []\n]"
        );
    }
}
