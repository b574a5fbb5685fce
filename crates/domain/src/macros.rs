//! Small declarative helpers shared by the vocabulary modules.

/// An enum stored by code and shown by label.
macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($v:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn code(self) -> &'static str { match self { $($name::$v => $code),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$v => $label),+ } }
            pub fn from_code(c: &str) -> Option<Self> { Self::ALL.iter().copied().find(|k| k.code() == c) }
            /// The label of a stored code, or the code itself if unknown.
            pub fn label_of(c: &str) -> &str { match Self::from_code(c) { Some(k) => k.label(), None => c } }
        }
    };
}
