//! What a handler's signature says about its HTTP contract, read from its
//! types: a JSON body extractor names the request body, a `Query<T>` the
//! query parameters, and the return type the success status and body. The
//! endpoint table hands every handler to [`Describe`], so a handler whose
//! types change changes the document with it: there is no second list of
//! request and response types to keep in step.

use std::convert::Infallible;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::HeaderMap;
use axum::response::Sse;
use schemars::JsonSchema;

use super::shape::{Body, Contract, Io, Success};
use crate::api::json::ApiJson;
use crate::api::query::ApiQuery;
use crate::audit::Detail;
use crate::error::AppError;

/// One argument of a handler: what it reads from the request beyond the
/// path (which the route template documents).
pub trait DescribeArg {
    /// Fills in the request body or query parameters this argument reads.
    fn describe(_io: &mut Io, _gens: &mut Contract) {}
}

/// A handler's return type: its success responses.
pub trait DescribeReturn {
    /// The success responses, and whether refusals (`ApiError`) can come.
    fn describe(io: &mut Io, gens: &mut Contract);
}

/// A handler as a whole: its arguments and its return type.
pub trait Describe<Args> {
    fn describe(&self, gens: &mut Contract) -> Io;
}

macro_rules! describe_handler {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg,)*> Describe<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut,
            Fut: Future,
            Fut::Output: DescribeReturn,
            $($arg: DescribeArg,)*
        {
            fn describe(&self, gens: &mut Contract) -> Io {
                let mut io = Io::default();
                $(<$arg as DescribeArg>::describe(&mut io, gens);)*
                <Fut::Output as DescribeReturn>::describe(&mut io, gens);
                io
            }
        }
    };
}

describe_handler!();
describe_handler!(A1);
describe_handler!(A1, A2);
describe_handler!(A1, A2, A3);
describe_handler!(A1, A2, A3, A4);
describe_handler!(A1, A2, A3, A4, A5);

impl<T: JsonSchema> DescribeArg for ApiJson<T> {
    fn describe(io: &mut Io, gens: &mut Contract) {
        io.request = Some(gens.request::<T>());
    }
}

impl<T: JsonSchema> DescribeArg for ApiQuery<T> {
    fn describe(io: &mut Io, gens: &mut Contract) {
        io.query = Some(gens.query::<T>());
    }
}

impl<T> DescribeArg for State<T> {}
impl<T> DescribeArg for Extension<T> {}
impl<T> DescribeArg for Option<Extension<T>> {}
impl DescribeArg for HeaderMap {}

impl<T: JsonSchema> DescribeReturn for Json<T> {
    fn describe(io: &mut Io, gens: &mut Contract) {
        io.success(Success::ok(Body::json(gens.response::<T>())));
    }
}

impl<R: DescribeReturn> DescribeReturn for Result<R, AppError> {
    fn describe(io: &mut Io, gens: &mut Contract) {
        io.refusals = true;
        R::describe(io, gens);
    }
}

/// The audit detail a mutating handler hands to the guard is not part of
/// the response.
impl<R: DescribeReturn> DescribeReturn for (Detail, R) {
    fn describe(io: &mut Io, gens: &mut Contract) {
        R::describe(io, gens);
    }
}

impl<S> DescribeReturn for Sse<S> {
    fn describe(io: &mut Io, _: &mut Contract) {
        io.success(Success::ok(Body::event_stream()));
    }
}

impl DescribeReturn for Infallible {
    fn describe(_: &mut Io, _: &mut Contract) {}
}
