//! Response types that say in their type what the document must say: the
//! status of a creation or an accepted run, and the media type of a
//! download. A handler returning one of these is documented exactly.

use std::marker::PhantomData;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;

use super::describe::DescribeReturn;
use super::shape::{Body, Contract, Io, Success};

/// 201 Created with what was created.
pub struct Created<T>(pub T);

/// 202 Accepted with the run that was started.
pub struct Accepted<T>(pub T);

/// 204 No Content.
pub struct NoContent;

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, Json(self.0)).into_response()
    }
}

impl<T: Serialize> IntoResponse for Accepted<T> {
    fn into_response(self) -> Response {
        (StatusCode::ACCEPTED, Json(self.0)).into_response()
    }
}

impl IntoResponse for NoContent {
    fn into_response(self) -> Response {
        StatusCode::NO_CONTENT.into_response()
    }
}

impl<T: JsonSchema> DescribeReturn for Created<T> {
    fn describe(io: &mut Io, gens: &mut Contract) {
        io.success(Success::new(201, Some(Body::json(gens.response::<T>()))));
    }
}

impl<T: JsonSchema> DescribeReturn for Accepted<T> {
    fn describe(io: &mut Io, gens: &mut Contract) {
        io.success(Success::new(202, Some(Body::json(gens.response::<T>()))));
    }
}

impl DescribeReturn for NoContent {
    fn describe(io: &mut Io, _: &mut Contract) {
        io.success(Success::new(204, None));
    }
}

/// A response built by hand (headers, a stream, a choice of formats)
/// that is documented as `D` says.
pub struct Documented<D> {
    response: Response,
    doc: PhantomData<fn() -> D>,
}

impl<D> Documented<D> {
    pub fn new(response: impl IntoResponse) -> Self {
        Self {
            response: response.into_response(),
            doc: PhantomData,
        }
    }
}

impl<D> IntoResponse for Documented<D> {
    fn into_response(self) -> Response {
        self.response
    }
}

impl<D: DescribeReturn> DescribeReturn for Documented<D> {
    fn describe(io: &mut Io, gens: &mut Contract) {
        D::describe(io, gens);
    }
}

/// Either description: two media types (or statuses) one handler chooses
/// between, e.g. by a `format` parameter.
pub struct OneOf<A, B>(PhantomData<(A, B)>);

impl<A: DescribeReturn, B: DescribeReturn> DescribeReturn for OneOf<A, B> {
    fn describe(io: &mut Io, gens: &mut Contract) {
        A::describe(io, gens);
        B::describe(io, gens);
    }
}

/// 303 See Other: a browser navigation sent on (to the provider's sign-in,
/// or back into the console).
pub struct SeeOther;

impl DescribeReturn for SeeOther {
    fn describe(io: &mut Io, _: &mut Contract) {
        io.success(Success::new(303, None));
    }
}

/// Text downloads, named by their media type.
macro_rules! text_body {
    ($(#[$doc:meta])* $name:ident, $media:literal) => {
        $(#[$doc])*
        pub struct $name;

        impl DescribeReturn for $name {
            fn describe(io: &mut Io, _: &mut Contract) {
                io.success(Success::ok(Body::text($media)));
            }
        }
    };
}

text_body!(
    /// YAML documents (manifests, an IstioOperator).
    Yaml, "application/yaml"
);
text_body!(
    /// A PEM-encoded PKCS #10 certificate signing request.
    Pkcs10, "application/pkcs10"
);
text_body!(
    /// One JSON document per line.
    JsonLines, "application/x-ndjson"
);
text_body!(
    /// Plain text to copy.
    PlainText, "text/plain"
);
