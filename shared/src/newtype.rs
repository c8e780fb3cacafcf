//! The one way shared defines a name that enters from outside: a `String`
//! newtype checked once by `FromStr`, carried through serde as its text.
//! Types with richer insides (a link, a version tag, an IP) reuse only the
//! text round trip.

/// Defines a `String` newtype validated by `$check` (a
/// `fn(&str) -> Result<(), InvalidName>`): `as_str`, `FromStr`, `Display`,
/// and serde as a plain string that is checked on the way in.
macro_rules! checked_string {
    ($(#[$doc:meta])* $vis:vis struct $name:ident($field:vis String), $check:path;) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            PartialEq,
            Eq,
            PartialOrd,
            Ord,
            Hash,
            ::serde::Serialize,
            ::serde::Deserialize,
        )]
        #[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
        #[serde(try_from = "String", into = "String")]
        $vis struct $name($field String);

        impl $name {
            /// The checked text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ids::InvalidName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $check(s).map(|()| Self(s.to_owned()))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        $crate::newtype::text_form!(try_from $name);
    };
}

/// The serde text round trip of a type that has `FromStr` and `Display`:
/// `TryFrom<String>` through `parse` and `From<T> for String` through
/// `to_string`. `try_from` alone when `From<T> for String` exists already.
macro_rules! text_form {
    ($name:ident) => {
        $crate::newtype::text_form!(try_from $name);

        impl From<$name> for String {
            fn from(v: $name) -> Self {
                v.to_string()
            }
        }
    };
    (try_from $name:ident) => {
        impl TryFrom<String> for $name {
            type Error = <$name as ::std::str::FromStr>::Err;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                value.parse()
            }
        }
    };
}

pub(crate) use {checked_string, text_form};
