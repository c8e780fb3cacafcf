//! The pieces of one operation as the document needs them, and the schema
//! generators that make them: request bodies are described as the server
//! reads them (serde's deserialize side), responses as it writes them.

use schemars::generate::{Contract as SerdeSide, SchemaSettings};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// Where shared schemas live in the document.
pub const SCHEMAS: &str = "/components/schemas";

/// What one handler reads and answers.
#[derive(Debug, Default)]
pub struct Io {
    /// The JSON request body's schema.
    pub request: Option<Schema>,
    /// The query string's schema (an object; each property a parameter).
    pub query: Option<Schema>,
    pub successes: Vec<Success>,
    /// Whether the handler itself can refuse with an `ApiError`.
    pub refusals: bool,
}

impl Io {
    /// Adds a success response; a second body under the same status is an
    /// alternative media type.
    pub fn success(&mut self, success: Success) {
        match self
            .successes
            .iter_mut()
            .find(|s| s.status == success.status)
        {
            Some(known) => known.bodies.extend(success.bodies),
            None => self.successes.push(success),
        }
    }
}

/// One success status and what it carries.
#[derive(Debug)]
pub struct Success {
    pub status: u16,
    pub bodies: Vec<Body>,
}

impl Success {
    pub fn new(status: u16, body: Option<Body>) -> Self {
        Self {
            status,
            bodies: body.into_iter().collect(),
        }
    }

    pub fn ok(body: Body) -> Self {
        Self::new(200, Some(body))
    }
}

/// A body of one media type.
#[derive(Debug)]
pub struct Body {
    pub media: &'static str,
    pub schema: Value,
}

impl Body {
    pub fn json(schema: Schema) -> Self {
        Self {
            media: "application/json",
            schema: schema.to_value(),
        }
    }

    /// Text of a media type, e.g. YAML manifests or a PEM file.
    pub fn text(media: &'static str) -> Self {
        Self {
            media,
            schema: json!({"type": "string"}),
        }
    }

    /// Server-Sent Events; each event's data is JSON.
    pub fn event_stream() -> Self {
        Self::text("text/event-stream")
    }
}

/// The two generators, one per side of serde.
pub struct Contract {
    requests: SchemaGenerator,
    responses: SchemaGenerator,
}

impl Default for Contract {
    fn default() -> Self {
        let side = |side: SerdeSide| {
            SchemaSettings::draft2020_12()
                .with(|s| {
                    s.definitions_path = SCHEMAS.into();
                    s.contract = side;
                })
                .into_generator()
        };
        Self {
            requests: side(SerdeSide::Deserialize),
            responses: side(SerdeSide::Serialize),
        }
    }
}

impl Contract {
    pub fn request<T: JsonSchema>(&mut self) -> Schema {
        self.requests.subschema_for::<T>()
    }

    pub fn response<T: JsonSchema>(&mut self) -> Schema {
        self.responses.subschema_for::<T>()
    }

    /// A query string's schema, inlined: its properties become parameters.
    pub fn query<T: JsonSchema>(&mut self) -> Schema {
        SchemaSettings::draft2020_12()
            .with(|s| {
                s.inline_subschemas = true;
                s.contract = SerdeSide::Deserialize;
            })
            .into_generator()
            .into_root_schema_for::<T>()
    }

    /// Every named schema, and the names whose request form differs. A
    /// type read and written differently (a field with a default is
    /// optional on the way in, always present on the way out) gets its
    /// request form under `<Name>Input`: request schemas must then be
    /// passed through [`rename_refs`].
    pub fn into_schemas(mut self) -> (Map<String, Value>, Vec<String>) {
        let mut schemas = self.responses.take_definitions(true);
        let requests = self.requests.take_definitions(true);
        let renamed: Vec<String> = requests
            .iter()
            .filter(|(name, schema)| schemas.get(*name).is_some_and(|s| s != *schema))
            .map(|(name, _)| name.clone())
            .collect();
        for (name, mut schema) in requests {
            rename_refs(&mut schema, &renamed);
            let name = if renamed.contains(&name) {
                format!("{name}Input")
            } else {
                name
            };
            schemas.entry(name).or_insert(schema);
        }
        (schemas, renamed)
    }
}

/// Points `$ref`s at the `Input` form of the renamed schemas.
pub fn rename_refs(value: &mut Value, renamed: &[String]) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(target) = v
                    && let Some(name) = target.strip_prefix(&format!("#{SCHEMAS}/"))
                    && renamed.iter().any(|r| r == name)
                {
                    *target = format!("#{SCHEMAS}/{name}Input");
                } else {
                    rename_refs(v, renamed);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, renamed)),
        _ => {}
    }
}
