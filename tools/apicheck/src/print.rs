// SPDX-License-Identifier: GPL-2.0

//! Signatures as text: the path normalisation and the token spacing.

use proc_macro2::{
    Delimiter,
    Spacing,
    TokenStream,
    TokenTree, //
};
use syn::{
    punctuated::Punctuated,
    visit_mut::{
        self,
        VisitMut, //
    },
    GenericArgument,
    PathArguments,
    Type, //
};

/// Applies the crate's path normalisation (see the crate documentation) to
/// every path of a parsed file.
pub(crate) fn normalise(file: &mut syn::File) {
    Normalise.visit_file_mut(file);
}

struct Normalise;

impl VisitMut for Normalise {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        // Inner paths first, so that `Error` below is already normalised.
        visit_mut::visit_path_mut(self, path);
        path.leading_colon = None;
        if path.segments.len() > 1 {
            let first = &path.segments[0];
            if matches!(first.arguments, PathArguments::None)
                && (first.ident == "crate" || first.ident == "kernel")
            {
                path.segments = path.segments.iter().skip(1).cloned().collect();
            }
        }
        // The kernel prelude's `Result<T, E = Error>`: `Result<T, Error>`
        // is `Result<T>`.
        if path.segments.len() == 1 && path.segments[0].ident == "Result" {
            if let PathArguments::AngleBracketed(args) = &mut path.segments[0].arguments {
                if args.args.len() == 2 && is_error(&args.args[1]) {
                    let ok = args.args[0].clone();
                    args.args = Punctuated::from_iter([ok]);
                }
            }
        }
    }
}

/// Whether `arg` is the plain type `Error`.
fn is_error(arg: &GenericArgument) -> bool {
    let GenericArgument::Type(Type::Path(ty)) = arg else {
        return false;
    };
    ty.qself.is_none()
        && ty.path.leading_colon.is_none()
        && ty.path.segments.len() == 1
        && ty.path.segments[0].ident == "Error"
        && matches!(ty.path.segments[0].arguments, PathArguments::None)
}

/// Prints tokens the way rustfmt would lay out a signature on one line:
/// `fn open<'a>(&Device<Self>) -> Result<KVec<u8>>`.
pub(crate) fn tidy(tokens: TokenStream) -> String {
    let mut atoms = Vec::new();
    flatten(tokens, &mut atoms);
    let mut out = String::new();
    let mut prev: Option<&Atom> = None;
    for atom in &atoms {
        if let Some(prev) = prev {
            if space_between(prev, atom) {
                out.push(' ');
            }
        }
        out.push_str(&atom.text);
        prev = Some(atom);
    }
    out
}

/// One printed piece: an identifier, a literal, an operator or a bracket.
struct Atom {
    text: String,
    ident: bool,
}

fn flatten(tokens: TokenStream, atoms: &mut Vec<Atom>) {
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(i) => atoms.push(Atom {
                text: i.to_string(),
                ident: true,
            }),
            TokenTree::Literal(l) => atoms.push(Atom {
                text: l.to_string(),
                ident: false,
            }),
            TokenTree::Punct(p) => {
                let mut text = p.as_char().to_string();
                // Only these operators are glued: `>>` must stay two
                // closing brackets, and a lifetime's `'` goes with its name.
                if p.spacing() == Spacing::Joint {
                    if let Some(TokenTree::Punct(next)) = tokens.peek() {
                        let pair = format!("{text}{}", next.as_char());
                        if matches!(pair.as_str(), "::" | "->" | "=>") {
                            text = pair;
                            tokens.next();
                        }
                    }
                }
                atoms.push(Atom { text, ident: false });
            }
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                if !open.is_empty() {
                    atoms.push(Atom {
                        text: open.into(),
                        ident: false,
                    });
                }
                flatten(g.stream(), atoms);
                if !close.is_empty() {
                    atoms.push(Atom {
                        text: close.into(),
                        ident: false,
                    });
                }
            }
        }
    }
}

fn space_between(a: &Atom, b: &Atom) -> bool {
    let no_space_after = ["&", "(", "[", "<", "::", "'", "#", "!", "?", "*", "."];
    let no_space_before = [",", ";", ")", "]", ">", "::", ":", "<", "."];
    if no_space_after.contains(&a.text.as_str()) || no_space_before.contains(&b.text.as_str()) {
        return false;
    }
    // A call or a parenthesised argument list: `fn new(`, `Fn(`, `<'a>(`.
    if b.text == "(" && (a.ident && a.text != "impl" && a.text != "dyn" || a.text == ">") {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn norm_type(src: &str) -> String {
        let mut file: syn::File = syn::parse_str(&format!("type X = {src};")).unwrap();
        normalise(&mut file);
        let syn::Item::Type(t) = &file.items[0] else {
            unreachable!()
        };
        tidy(t.ty.to_token_stream())
    }

    #[test]
    fn prefixes_go() {
        assert_eq!(norm_type("crate::device::Device"), "device::Device");
        assert_eq!(norm_type("kernel::device::Device"), "device::Device");
        assert_eq!(norm_type("::kernel::device::Device"), "device::Device");
        assert_eq!(norm_type("core::pin::Pin<&Self>"), "core::pin::Pin<&Self>");
    }

    #[test]
    fn result_with_error_is_the_alias() {
        assert_eq!(norm_type("Result<KVec<u8>, Error>"), "Result<KVec<u8>>");
        assert_eq!(
            norm_type("Result<(), kernel::error::Error>"),
            "Result<(), error::Error>"
        );
        assert_eq!(norm_type("Result<u8, Other>"), "Result<u8, Other>");
    }

    #[test]
    fn spacing() {
        assert_eq!(
            norm_type("Pin<&'a mut [u8]>"),
            "Pin<&'a mut [u8]>",
            "a lifetime and a slice"
        );
        assert_eq!(
            norm_type("impl for<'a> FnOnce(&Device<T>) -> R + Send"),
            "impl for<'a> FnOnce(&Device<T>) -> R + Send"
        );
        assert_eq!(norm_type("*mut c_void"), "*mut c_void");
    }
}
