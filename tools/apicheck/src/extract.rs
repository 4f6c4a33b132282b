// SPDX-License-Identifier: GPL-2.0

//! The public items of one source file and their signatures.

use crate::print::{
    normalise,
    tidy, //
};
use proc_macro2::TokenStream;
use quote::{
    quote,
    ToTokens, //
};
use std::collections::{
    BTreeMap,
    HashSet, //
};
use syn::{
    punctuated::Punctuated,
    Attribute,
    Fields,
    FnArg,
    Generics,
    ImplItem,
    Item as SynItem,
    Signature,
    TraitItem,
    Type,
    Visibility, //
};

/// One public item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// How the item is named in reports and in the exception table:
    /// `Type`, `Type::item`, `Type.field`, `impl Trait for Type`.
    pub key: String,
    /// The item this one belongs to (an enum for a variant, a trait for its
    /// items, the type for its methods, fields and trait impls).
    pub parent: Option<String>,
    /// The normalised signature, without parameter names.
    pub sig: String,
    /// Parameter names, reported when only they differ.
    pub params: Vec<String>,
}

/// The public items of a file, by key.
#[derive(Clone, Debug, Default)]
pub struct Api {
    /// Items by [`Item::key`].
    pub items: BTreeMap<String, Item>,
}

/// Extracts the public items of a Rust source file.
///
/// # Errors
///
/// The source does not parse; the message names the line.
pub fn extract(source: &str) -> Result<Api, String> {
    let mut file = syn::parse_file(source).map_err(|e| {
        let at = e.span().start();
        format!("line {}:{}: {e}", at.line, at.column + 1)
    })?;
    normalise(&mut file);
    let mut x = Extractor {
        api: Api::default(),
        private: private_names(&file.items),
    };
    x.items(&file.items, "");
    Ok(x.api)
}

/// Public means `pub` or `pub(crate)` (our file is a module of each driver
/// crate, so `pub(crate)` is as far as it can reach).
fn public(vis: &Visibility) -> bool {
    match vis {
        Visibility::Public(_) => true,
        Visibility::Restricted(r) => r.in_token.is_none() && r.path.is_ident("crate"),
        Visibility::Inherited => false,
    }
}

/// Names of the private types and traits of a module: impls on them are not
/// part of the API.
fn private_names(items: &[SynItem]) -> HashSet<String> {
    let mut names = HashSet::new();
    for item in items {
        let (vis, ident) = match item {
            SynItem::Struct(s) => (&s.vis, &s.ident),
            SynItem::Enum(e) => (&e.vis, &e.ident),
            SynItem::Union(u) => (&u.vis, &u.ident),
            SynItem::Trait(t) => (&t.vis, &t.ident),
            SynItem::Type(t) => (&t.vis, &t.ident),
            _ => continue,
        };
        if !public(vis) {
            names.insert(ident.to_string());
        }
    }
    names
}

/// The name a type is reported under: the last path segment without
/// generic arguments (`Registration<'a, T>` is `Registration`), else the
/// whole type.
fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) if p.qself.is_none() => match p.path.segments.last() {
            Some(last) => last.ident.to_string(),
            None => tidy(ty.to_token_stream()),
        },
        _ => tidy(ty.to_token_stream()),
    }
}

/// `#[repr(..)]` attributes: they decide a type's layout and what `as`
/// gives for an enum.
fn reprs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("repr")).collect()
}

/// The traits of `#[derive(..)]` attributes.
fn derives(attrs: &[Attribute]) -> Result<Vec<syn::Path>, String> {
    let mut paths = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let list = attr
            .parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            .map_err(|e| format!("line {}: {e}", e.span().start().line))?;
        paths.extend(list);
    }
    Ok(paths)
}

/// A function signature without parameter names, and the names.
fn fn_sig(sig: &Signature) -> (String, Vec<String>) {
    let mut args = Vec::new();
    let mut names = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                names.push("self".into());
                args.push(if r.colon_token.is_some() {
                    let ty = &r.ty;
                    quote!(self: #ty)
                } else if let Some((_, lifetime)) = &r.reference {
                    let mutability = &r.mutability;
                    quote!(& #lifetime #mutability self)
                } else {
                    // `mut self` binds mutably; callers see `self`.
                    quote!(self)
                });
            }
            FnArg::Typed(t) => {
                names.push(tidy(t.pat.to_token_stream()));
                args.push(t.ty.to_token_stream());
            }
        }
    }
    let Signature {
        constness,
        asyncness,
        unsafety,
        abi,
        ident,
        generics,
        output,
        ..
    } = sig;
    let where_clause = &generics.where_clause;
    let tokens = quote! {
        #constness #asyncness #unsafety #abi fn #ident #generics ( #(#args),* ) #output #where_clause
    };
    (tidy(tokens), names)
}

/// `impl<G> Trait for Type<G>` as a built-in derive writes it: each type
/// parameter bound by the trait.
fn derived_impl(trait_path: &syn::Path, ident: &syn::Ident, generics: &Generics) -> String {
    let mut generics = generics.clone();
    for param in generics.type_params_mut() {
        param.bounds.push(syn::parse_quote!(#trait_path));
    }
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    tidy(quote!(impl #impl_generics #trait_path for #ident #type_generics #where_clause))
}

struct Extractor {
    api: Api,
    private: HashSet<String>,
}

impl Extractor {
    fn add(&mut self, key: String, parent: Option<&str>, sig: String, params: Vec<String>) {
        // Two inherent impls may both have a `new`: number the later ones.
        let mut unique = key.clone();
        let mut n = 1;
        while self.api.items.contains_key(&unique) {
            n += 1;
            unique = format!("{key} ({n})");
        }
        self.api.items.insert(
            unique.clone(),
            Item {
                key: unique,
                parent: parent.map(String::from),
                sig,
                params,
            },
        );
    }

    fn items(&mut self, items: &[SynItem], prefix: &str) {
        for item in items {
            self.item(item, prefix);
        }
    }

    fn item(&mut self, item: &SynItem, prefix: &str) {
        match item {
            SynItem::Enum(e) if public(&e.vis) => {
                let key = format!("{prefix}{}", e.ident);
                let (repr, ident, generics) = (reprs(&e.attrs), &e.ident, &e.generics);
                let where_clause = &generics.where_clause;
                let sig = tidy(quote!(#(#repr)* enum #ident #generics #where_clause));
                self.add(key.clone(), None, sig, Vec::new());
                for v in &e.variants {
                    let mut v = v.clone();
                    v.attrs.clear();
                    for f in v.fields.iter_mut() {
                        f.attrs.clear();
                    }
                    let sig = tidy(v.to_token_stream());
                    self.add(format!("{key}::{}", v.ident), Some(&key), sig, Vec::new());
                }
                self.derives(&key, &e.attrs, ident, generics);
            }
            SynItem::Struct(s) if public(&s.vis) => {
                let key = format!("{prefix}{}", s.ident);
                let (repr, ident, generics) = (reprs(&s.attrs), &s.ident, &s.generics);
                let where_clause = &generics.where_clause;
                let sig = tidy(quote!(#(#repr)* struct #ident #generics #where_clause));
                self.add(key.clone(), None, sig, Vec::new());
                self.fields(&key, &s.fields);
                self.derives(&key, &s.attrs, ident, generics);
            }
            SynItem::Union(u) if public(&u.vis) => {
                let key = format!("{prefix}{}", u.ident);
                let (repr, ident, generics) = (reprs(&u.attrs), &u.ident, &u.generics);
                let where_clause = &generics.where_clause;
                let sig = tidy(quote!(#(#repr)* union #ident #generics #where_clause));
                self.add(key.clone(), None, sig, Vec::new());
                self.fields(&key, &Fields::Named(u.fields.clone()));
                self.derives(&key, &u.attrs, ident, generics);
            }
            SynItem::Trait(t) if public(&t.vis) => self.trait_(t, prefix),
            SynItem::Impl(i) => self.impl_(i, prefix),
            SynItem::Fn(f) if public(&f.vis) => {
                let (sig, params) = fn_sig(&f.sig);
                self.add(format!("{prefix}{}", f.sig.ident), None, sig, params);
            }
            SynItem::Const(c) if public(&c.vis) => {
                let (ident, generics, ty) = (&c.ident, &c.generics, &c.ty);
                let sig = tidy(quote!(const #ident #generics: #ty));
                self.add(format!("{prefix}{ident}"), None, sig, Vec::new());
            }
            SynItem::Static(s) if public(&s.vis) => {
                let (mutability, ident, ty) = (&s.mutability, &s.ident, &s.ty);
                let sig = tidy(quote!(static #mutability #ident: #ty));
                self.add(format!("{prefix}{ident}"), None, sig, Vec::new());
            }
            SynItem::Type(t) if public(&t.vis) => {
                let (ident, generics, ty) = (&t.ident, &t.generics, &t.ty);
                let where_clause = &generics.where_clause;
                let sig = tidy(quote!(type #ident #generics #where_clause = #ty));
                self.add(format!("{prefix}{ident}"), None, sig, Vec::new());
            }
            SynItem::Use(u) if public(&u.vis) => {
                let tree = tidy(u.tree.to_token_stream());
                self.add(
                    format!("{prefix}use {tree}"),
                    None,
                    format!("use {tree}"),
                    Vec::new(),
                );
            }
            SynItem::Mod(m) if public(&m.vis) => {
                if let Some((_, items)) = &m.content {
                    let prefix = format!("{prefix}{}::", m.ident);
                    let saved = std::mem::replace(&mut self.private, private_names(items));
                    self.items(items, &prefix);
                    self.private = saved;
                }
            }
            _ => {}
        }
    }

    fn fields(&mut self, key: &str, fields: &Fields) {
        for (n, f) in fields.iter().enumerate() {
            if !public(&f.vis) {
                continue;
            }
            let name = f
                .ident
                .as_ref()
                .map_or_else(|| n.to_string(), |i| i.to_string());
            let ty = tidy(f.ty.to_token_stream());
            self.add(
                format!("{key}.{name}"),
                Some(key),
                format!("{name}: {ty}"),
                Vec::new(),
            );
        }
    }

    fn derives(&mut self, key: &str, attrs: &[Attribute], ident: &syn::Ident, generics: &Generics) {
        // A derive that does not parse is not ours to judge: rustc will.
        for path in derives(attrs).unwrap_or_default() {
            let name = tidy(path.to_token_stream());
            let sig = derived_impl(&path, ident, generics);
            self.add(format!("impl {name} for {key}"), Some(key), sig, Vec::new());
        }
    }

    fn trait_(&mut self, t: &syn::ItemTrait, prefix: &str) {
        let key = format!("{prefix}{}", t.ident);
        let (unsafety, auto, ident, generics) = (&t.unsafety, &t.auto_token, &t.ident, &t.generics);
        let where_clause = &generics.where_clause;
        let supertraits = &t.supertraits;
        let colon = (!supertraits.is_empty()).then(|| quote!(:));
        let sig =
            tidy(quote!(#unsafety #auto trait #ident #generics #colon #supertraits #where_clause));
        self.add(key.clone(), None, sig, Vec::new());
        for item in &t.items {
            match item {
                TraitItem::Fn(f) => {
                    let (mut sig, params) = fn_sig(&f.sig);
                    if f.default.is_some() {
                        sig.push_str(" { .. }");
                    }
                    self.add(format!("{key}::{}", f.sig.ident), Some(&key), sig, params);
                }
                TraitItem::Type(ty) => {
                    let (ident, generics, bounds) = (&ty.ident, &ty.generics, &ty.bounds);
                    let where_clause = &generics.where_clause;
                    let colon = (!bounds.is_empty()).then(|| quote!(:));
                    let default = ty.default.as_ref().map(|(_, d)| quote!(= #d));
                    let sig =
                        tidy(quote!(type #ident #generics #colon #bounds #where_clause #default));
                    self.add(format!("{key}::{ident}"), Some(&key), sig, Vec::new());
                }
                TraitItem::Const(c) => {
                    let (ident, generics, ty) = (&c.ident, &c.generics, &c.ty);
                    let mut sig = tidy(quote!(const #ident #generics: #ty));
                    if c.default.is_some() {
                        sig.push_str(" = ..");
                    }
                    self.add(format!("{key}::{ident}"), Some(&key), sig, Vec::new());
                }
                _ => {}
            }
        }
    }

    fn impl_(&mut self, i: &syn::ItemImpl, prefix: &str) {
        let name = type_name(&i.self_ty);
        if self.private.contains(&name) {
            return;
        }
        let parent = format!("{prefix}{name}");
        let (unsafety, generics, self_ty) = (&i.unsafety, &i.generics, &i.self_ty);
        let where_clause = &generics.where_clause;
        let Some((bang, trait_path, _)) = &i.trait_ else {
            let header = tidy(quote!(impl #generics #self_ty #where_clause));
            for item in &i.items {
                let (ident, sig, params) = match item {
                    ImplItem::Fn(f) if public(&f.vis) => {
                        let (sig, params) = fn_sig(&f.sig);
                        (&f.sig.ident, sig, params)
                    }
                    ImplItem::Const(c) if public(&c.vis) => {
                        let (ident, ty) = (&c.ident, &c.ty);
                        (ident, tidy(quote!(const #ident: #ty)), Vec::new())
                    }
                    ImplItem::Type(t) if public(&t.vis) => {
                        let (ident, g, ty) = (&t.ident, &t.generics, &t.ty);
                        (ident, tidy(quote!(type #ident #g = #ty)), Vec::new())
                    }
                    _ => continue,
                };
                let sig = format!("{sig} [in {header}]");
                self.add(format!("{parent}::{ident}"), Some(&parent), sig, params);
            }
            return;
        };
        if let Some(last) = trait_path.segments.last() {
            if self.private.contains(&last.ident.to_string()) {
                return;
            }
        }
        let trait_name = tidy(quote!(#bang #trait_path));
        let mut sig =
            tidy(quote!(#unsafety impl #generics #bang #trait_path for #self_ty #where_clause));
        // Associated types are part of what the impl promises
        // (`TryFrom::Error`); method bodies and constants' values are not.
        let types: Vec<TokenStream> = i
            .items
            .iter()
            .filter_map(|item| match item {
                ImplItem::Type(t) => {
                    let (ident, g, ty) = (&t.ident, &t.generics, &t.ty);
                    Some(quote!(type #ident #g = #ty;))
                }
                _ => None,
            })
            .collect();
        if !types.is_empty() {
            sig = format!("{sig} {{ {} }}", tidy(quote!(#(#types)*)));
        }
        self.add(
            format!("impl {trait_name} for {parent}"),
            Some(&parent),
            sig,
            Vec::new(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(api: &Api, key: &str) -> String {
        match api.items.get(key) {
            Some(item) => item.sig.clone(),
            None => panic!("no {key} in {:?}", api.items.keys().collect::<Vec<_>>()),
        }
    }

    #[test]
    fn enum_variants_and_derives() {
        let api = extract(
            "#[repr(u32)] #[derive(Copy, Clone)] pub enum Kind { A = bindings::A, B(usize) }",
        )
        .unwrap();
        assert_eq!(sig(&api, "Kind"), "#[repr(u32)] enum Kind");
        assert_eq!(sig(&api, "Kind::A"), "A = bindings::A");
        assert_eq!(sig(&api, "Kind::B"), "B(usize)");
        assert_eq!(sig(&api, "impl Clone for Kind"), "impl Clone for Kind");
        assert_eq!(api.items["Kind::B"].parent.as_deref(), Some("Kind"));
    }

    #[test]
    fn trait_items() {
        let api = extract(
            "pub(crate) trait Ops: Sized + Send + 'static {
                type Data<'a>: Send + 'a where Self: 'a;
                const KIND: Kind;
                fn open<'a>(dev: &Device<Self>, data: &Self::Data<'a>) -> impl PinInit<Self, Error>;
                fn info(_this: Pin<&Self>) -> Result<KVec<u8>, Error> { Ok(KVec::new()) }
                unsafe fn raw(&self);
            }",
        )
        .unwrap();
        assert_eq!(sig(&api, "Ops"), "trait Ops: Sized + Send + 'static");
        assert_eq!(
            sig(&api, "Ops::Data"),
            "type Data<'a>: Send + 'a where Self: 'a"
        );
        assert_eq!(sig(&api, "Ops::KIND"), "const KIND: Kind");
        assert_eq!(
            sig(&api, "Ops::open"),
            "fn open<'a>(&Device<Self>, &Self::Data<'a>) -> impl PinInit<Self, Error>"
        );
        assert_eq!(api.items["Ops::open"].params, ["dev", "data"]);
        assert_eq!(
            sig(&api, "Ops::info"),
            "fn info(Pin<&Self>) -> Result<KVec<u8>> { .. }"
        );
        assert_eq!(sig(&api, "Ops::raw"), "unsafe fn raw(&self)");
    }

    #[test]
    fn impls_private_items_and_bodies() {
        let api = extract(
            "pub struct Dev<T: Ops> { inner: u32, pub id: u32, _p: PhantomData<T> }
            struct Hidden;
            impl Hidden { pub fn new() -> Self { Hidden } }
            impl<T: Ops> Dev<T> {
                pub fn new(parent: &kernel::device::Device<device::Bound>) -> Result<ARef<Self>> { todo!() }
                fn private(&self) {}
                pub(crate) unsafe fn raw(&mut self, n: usize) -> *mut u8 { todo!() }
            }
            unsafe impl<T: Ops> Send for Dev<T> {}
            impl<T: Ops> Drop for Dev<T> { fn drop(&mut self) {} }
            impl TryFrom<u32> for Kind { type Error = Error; fn try_from(v: u32) -> Result<Self> { todo!() } }
            impl Drop for Hidden { fn drop(&mut self) {} }",
        )
        .unwrap();
        let keys: Vec<_> = api.items.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "Dev",
                "Dev.id",
                "Dev::new",
                "Dev::raw",
                "impl Drop for Dev",
                "impl Send for Dev",
                "impl TryFrom<u32> for Kind",
            ]
        );
        assert_eq!(
            sig(&api, "Dev::new"),
            "fn new(&device::Device<device::Bound>) -> Result<ARef<Self>> [in impl<T: Ops> Dev<T>]"
        );
        assert_eq!(
            sig(&api, "Dev::raw"),
            "unsafe fn raw(&mut self, usize) -> *mut u8 [in impl<T: Ops> Dev<T>]"
        );
        assert_eq!(
            sig(&api, "impl Send for Dev"),
            "unsafe impl<T: Ops> Send for Dev<T>"
        );
        assert_eq!(
            sig(&api, "impl TryFrom<u32> for Kind"),
            "impl TryFrom<u32> for Kind { type Error = Error; }"
        );
    }

    #[test]
    fn syntax_error_names_the_line() {
        let err = extract("pub fn a() {}\npub fn b( {}").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
