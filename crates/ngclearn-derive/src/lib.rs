//! Derive macros for `ngclearn` component classes: the struct is the declaration.
//!
//! * `#[derive(Params)]` on a parameter struct: each field's doc comment's first
//!   paragraph is its help description and `#[param(...)]` gives its default, check,
//!   units, how it is saved and what ngclearn's constructor says of it. Generates `new`
//!   (the required fields, in order), `validate`, `PARAMS` (the help table, with each
//!   default's typed value), `POSITIONAL`, `from_kwargs` and `to_kwargs`.
//! * `#[derive(Compartments)]` on a component struct: each `#[compartment(...)]` field
//!   is a compartment, in index order. Generates `COMPARTMENTS` (the schema's table),
//!   an index constant per compartment, `compartment`, `compartment_mut` and
//!   `compartment_index`, so that the table and the accessors cannot disagree.
//! * `#[derive(Class)]` with `#[class(...)]` on the component struct: its schema, its
//!   class entry, its constructor from keyword arguments and the mechanical half of the
//!   component interface (`Declared`).
//!
//! The generated code names the library as `::ngclearn` (the library itself declares
//! `extern crate self as ngclearn`).
//!
//! Field attributes of `Params`: `#[param(default = EXPR)]` (absent: required, an
//! argument of `new`; the schema gives its value as `to_kwarg` writes it), `check =
//! positive | finite | non_negative | count | asserted_positive | positive_divisor` (an
//! `Option` field checks its `Some` value; `asserted_positive`: ngclearn asserts `> 0`,
//! an `Error::FailedAssertion`; `positive_divisor`: ngclearn divides by it, 0 is an
//! `Error::DivisionByZero`), `units = "ms"`, `text = "..."` (the default as help shows
//! it; needed when the default is not a literal), `aliases = ["..."]`, `old_names =
//! ["..."]` (ngclearn's deprecated names for it: read with ngclearn's warning, their
//! value taking its place), `deprecated` (ngclearn drops it with a warning: never read,
//! not positional, never saved) or `deprecated = "other"` (ngclearn warns, when it is
//! given by keyword, to use `other`; it is read as any other), `extension` (not one of
//! ngclearn's arguments: not positional, and ngclearn's constructor does not take it),
//! `none_means = EXPR` (with `default = None`: what the class uses for `None`, which
//! ngclearn keeps as its attribute), `name = "A_plus"` (ngclearn's name where it is not
//! a Rust field name), `keyword_only` (not one of ngclearn's positional parameters),
//! `skip_kwargs` (never saved), `omit_default` (saved only when it differs from its
//! default) and `hidden` (set by the library, never by a user: read like the others, but
//! not in help, not positional and never saved). `#[param(flatten)]` embeds another
//! `Params` struct (which must implement `Default`, its value in `new`): its parameters
//! take the field's place in the help table, the checks and the keyword arguments.
//!
//! Field attributes of `Compartments`: `#[compartment(input | state | output, shape =
//! "...", units = "...", spikes, scalar, int32, name = "...")]` (`spikes`: it holds spikes
//! the component lists; `scalar`: ngclearn holds it as a scalar, its shape `(1, 1)` here;
//! `int32`: ngclearn holds it as int32, kept here as float32 and saved as int32;
//! `name`: ngclearn's name where it is not a Rust field name, as `preSpike`) or
//! `#[compartment(key)]` (the PRNG key); a default shape can be given once as
//! `#[compartments(shape = "...")]` on the struct. `#[compartment(flatten)]` on the first
//! compartment field embeds another `Compartments` struct: its compartments come first,
//! then this struct's, and its key (if it has one) moves to the end, so the key is
//! always the last index. A struct that embeds one with a key may declare a key of its
//! own as its last compartment: a second key (REINFORCESynapse's `seed`), read and
//! written through `Declared::key_at` and `set_key_at` by its index, just before the
//! component's key.
//!
//! Attributes of `Class`: `module = "ngclearn...."` (ngclearn's module path of the
//! class), `description = "..."` (one line), `dynamics = "..."` (its equations as
//! implemented), `head = n_units | shape` (its first argument), and optionally `name =
//! "..."`, `notes = "..."` (what it does as ngclearn's code does where that surprises,
//! or refuses), `methods = TABLE` (default: `advance_state` and `reset`), `keywords(method
//! = [dt, t], ...)` (ngclearn's keywords of those methods, where they differ from the
//! table's; each `t` or `dt`), `kwargs = absent | checked | ignored` (how ngclearn's
//! constructor treats other keyword arguments: no `**kwargs`, handed to a base that
//! refuses them, or dropped; default `checked`), `fixed(name = EXPR, ...)` (values
//! ngclearn's class fixes for its base's arguments and keeps as attributes), `extends =
//! Class` (the class of this crate that ngclearn's class derives from, as
//! `DenseSynapse` for the synapses), `params = field` and `params_type = Type` (where
//! the parameters are), `base = field`,
//! `constructor = fn`, `split = columns | path` and `sizes = path`.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Field, Fields, Ident, LitStr, Type};

/// Derives a parameter struct's constructor, checks, help table and keyword arguments.
#[proc_macro_derive(Params, attributes(param))]
pub fn derive_params(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    params(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives a component class from its struct: the schema, the class entry, the
/// constructor from keyword arguments and the mechanical half of the component
/// interface (`Declared`). See the crate documentation for its attributes.
#[proc_macro_derive(Class, attributes(class))]
pub fn derive_class(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    class(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives a component struct's compartment table and accessors.
#[proc_macro_derive(Compartments, attributes(compartment, compartments))]
pub fn derive_compartments(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as DeriveInput);
    compartments(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The named fields of a struct.
fn named_fields(input: &DeriveInput) -> syn::Result<Vec<&Field>> {
    match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => Ok(f.named.iter().collect()),
            _ => Err(syn::Error::new(input.span(), "expected named fields")),
        },
        _ => Err(syn::Error::new(input.span(), "expected a struct")),
    }
}

/// The first paragraph of a field's doc comment: its description.
fn description(field: &Field) -> syn::Result<String> {
    // The doc comment's first paragraph, its lines joined: a description wrapped over
    // two lines is not cut in the middle.
    let mut words: Vec<String> = Vec::new();
    for a in &field.attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &a.meta {
            if let Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                let line = s.value().trim().to_string();
                match (line.is_empty(), words.is_empty()) {
                    (true, true) => continue,
                    (true, false) => break,
                    (false, _) => words.push(line),
                }
            }
        }
    }
    if words.is_empty() {
        return Err(syn::Error::new(
            field.span(),
            "a doc comment is required: its first paragraph is the help description",
        ));
    }
    Ok(words.join(" "))
}

/// Whether `ty` is written `Option<...>`.
fn is_option(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// What `#[param(...)]` says of one field.
#[derive(Default)]
struct ParamAttr {
    default: Option<Expr>,
    check: Option<Ident>,
    units: Option<LitStr>,
    text: Option<LitStr>,
    aliases: Vec<LitStr>,
    skip_kwargs: bool,
    omit_default: bool,
    flatten: bool,
    /// `hidden`: set by the library, not by a user: read like the others, but not in
    /// help, not positional and never saved.
    hidden: bool,
    /// `keyword_only`: not one of ngclearn's positional parameters.
    keyword_only: bool,
    /// `name = "A_plus"`: ngclearn's name, where it is not a Rust field name.
    name: Option<LitStr>,
    /// `flatten, keyword_only = [...]`: the embedded parameters that are not
    /// positional here.
    keyword_only_names: Vec<LitStr>,
    /// `old_names = [...]`: ngclearn's deprecated names for it.
    old_names: Vec<LitStr>,
    /// `deprecated` (dropped: `Some(None)`) or `deprecated = "other"` (kept, ngclearn
    /// says to use `other`).
    deprecated: Option<Option<LitStr>>,
    /// `extension`: not one of ngclearn's arguments.
    extension: bool,
    /// `none_means = EXPR`: the value used (and kept by ngclearn) for `None`.
    none_means: Option<Expr>,
}

fn string_list(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Vec<LitStr>> {
    let list: syn::ExprArray = meta.value()?.parse()?;
    list.elems
        .into_iter()
        .map(|e| match e {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Ok(s),
            other => Err(syn::Error::new(other.span(), "expected a string")),
        })
        .collect()
}

fn param_attr(field: &Field) -> syn::Result<ParamAttr> {
    let mut p = ParamAttr::default();
    for a in field.attrs.iter().filter(|a| a.path().is_ident("param")) {
        a.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") {
                p.default = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("check") {
                let check: Ident = meta.value()?.parse()?;
                if !["positive", "finite", "non_negative", "count", "asserted_positive", "positive_divisor"]
                    .contains(&check.to_string().as_str())
                {
                    return Err(meta.error(
                        "check is one of positive, finite, non_negative, count, asserted_positive, positive_divisor",
                    ));
                }
                p.check = Some(check);
            } else if meta.path.is_ident("units") {
                p.units = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("text") {
                p.text = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("aliases") {
                p.aliases = string_list(&meta)?;
            } else if meta.path.is_ident("name") {
                p.name = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("keyword_only") {
                if meta.input.peek(syn::Token![=]) {
                    p.keyword_only_names = string_list(&meta)?;
                } else {
                    p.keyword_only = true;
                }
            } else if meta.path.is_ident("skip_kwargs") {
                p.skip_kwargs = true;
            } else if meta.path.is_ident("omit_default") {
                p.omit_default = true;
            } else if meta.path.is_ident("hidden") {
                p.hidden = true;
                p.skip_kwargs = true;
                p.keyword_only = true;
            } else if meta.path.is_ident("flatten") {
                p.flatten = true;
            } else if meta.path.is_ident("old_names") {
                p.old_names = string_list(&meta)?;
            } else if meta.path.is_ident("deprecated") {
                if meta.input.peek(syn::Token![=]) {
                    p.deprecated = Some(Some(meta.value()?.parse()?));
                } else {
                    // Dropped by ngclearn: not positional, never saved.
                    p.deprecated = Some(None);
                    p.keyword_only = true;
                    p.skip_kwargs = true;
                }
            } else if meta.path.is_ident("extension") {
                p.extension = true;
                p.keyword_only = true;
            } else if meta.path.is_ident("none_means") {
                p.none_means = Some(meta.value()?.parse()?);
            } else {
                return Err(meta.error(
                    "expected default, check, units, text, aliases, old_names, deprecated, extension, none_means, skip_kwargs, omit_default, keyword_only, hidden, name or flatten",
                ));
            }
            Ok(())
        })?;
    }
    if p.omit_default && p.default.is_none() {
        return Err(syn::Error::new(
            field.span(),
            "omit_default needs a default",
        ));
    }
    if matches!(p.deprecated, Some(None)) && p.default.is_none() {
        return Err(syn::Error::new(
            field.span(),
            "a deprecated (dropped) parameter needs a default: its value is never read",
        ));
    }
    if matches!(p.deprecated, Some(None)) && !p.old_names.is_empty() {
        return Err(syn::Error::new(
            field.span(),
            "a dropped parameter has no old names (give them to the parameter that replaces it)",
        ));
    }
    if p.none_means.is_some()
        && !matches!(&p.default, Some(Expr::Path(e)) if e.path.is_ident("None"))
    {
        return Err(syn::Error::new(
            field.span(),
            "none_means says what `None` stands for: it needs `default = None`",
        ));
    }
    let alone = p.default.is_none()
        && p.check.is_none()
        && p.units.is_none()
        && p.text.is_none()
        && p.aliases.is_empty()
        && p.old_names.is_empty()
        && p.deprecated.is_none()
        && !p.extension
        && p.none_means.is_none()
        && !p.skip_kwargs
        && !p.omit_default
        && !p.keyword_only
        && p.name.is_none();
    if p.flatten && !alone {
        return Err(syn::Error::new(
            field.span(),
            "flatten takes only keyword_only = [...] (the embedded struct declares the rest)",
        ));
    }
    if !p.flatten && !p.keyword_only_names.is_empty() {
        return Err(syn::Error::new(
            field.span(),
            "keyword_only = [...] names embedded parameters: it goes with flatten",
        ));
    }
    Ok(p)
}

/// The default as help shows it: `text` if given, else a literal as written (a float's
/// trailing `.0` dropped, so `-52.0` shows as `-52`).
fn default_text(field: &Field, p: &ParamAttr) -> syn::Result<Option<String>> {
    if let Some(t) = &p.text {
        return Ok(Some(t.value()));
    }
    let Some(e) = &p.default else {
        return Ok(None);
    };
    let (neg, lit) = match e {
        Expr::Lit(l) => ("", &l.lit),
        Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(l) => ("-", &l.lit),
            _ => return Err(needs_text(field)),
        },
        _ => return Err(needs_text(field)),
    };
    let s = match lit {
        syn::Lit::Float(f) => {
            let digits = f.to_string();
            let digits = digits.strip_suffix(f.suffix()).unwrap_or(&digits);
            digits.strip_suffix(".0").unwrap_or(digits).to_string()
        }
        syn::Lit::Int(i) => i.base10_digits().to_string(),
        syn::Lit::Bool(b) => b.value.to_string(),
        syn::Lit::Str(s) => s.value(),
        _ => return Err(needs_text(field)),
    };
    Ok(Some(format!("{neg}{s}")))
}

fn needs_text(field: &Field) -> syn::Error {
    syn::Error::new(
        field.span(),
        "the default is not a literal: give `text = \"...\"` for help",
    )
}

fn params(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let fields = named_fields(input)?;
    // The help table in parts: runs of this struct's own rows, and embedded tables.
    let mut parts: Vec<Tokens> = Vec::new();
    let mut lens: Vec<Tokens> = Vec::new();
    let mut infos = Vec::new();
    let mut required = Vec::new();
    let mut inits = Vec::new();
    let mut checks = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut required_names = Vec::new();
    // ngclearn's positional order: the fields in order, embedded ones expanded, less
    // those marked keyword_only.
    let mut pos_parts: Vec<Tokens> = Vec::new();
    let mut pos_lens: Vec<Tokens> = Vec::new();
    let mut pos_own: Vec<String> = Vec::new();
    let mut except: Vec<LitStr> = Vec::new();
    for f in &fields {
        let p = param_attr(f)?;
        let ident = f.ident.as_ref().expect("named field");
        let key = p
            .name
            .as_ref()
            .map_or_else(|| ident.to_string(), LitStr::value);
        let ty = &f.ty;
        if p.flatten {
            if !infos.is_empty() {
                lens.push({
                    let n = infos.len();
                    quote!(#n)
                });
                parts.push(quote!(&[#(#infos),*]));
                infos.clear();
            }
            lens.push(quote!(<#ty>::PARAMS.len()));
            parts.push(quote!(&<#ty>::PARAMS));
            if !pos_own.is_empty() {
                let n = pos_own.len();
                pos_lens.push(quote!(#n));
                pos_parts.push(quote!(&[#(#pos_own),*]));
                pos_own.clear();
            }
            pos_lens.push(quote!(<#ty>::POSITIONAL.len()));
            pos_parts.push(quote!(&<#ty>::POSITIONAL));
            except.extend(p.keyword_only_names.iter().cloned());
            inits.push(quote!(#ident: ::core::default::Default::default()));
            reads.push(quote!(#ident: <#ty>::from_kwargs(kw)?));
            checks.push(quote!(self.#ident.validate(component)?;));
            writes.push(quote!(self.#ident.to_kwargs(map);));
            continue;
        }
        if !p.keyword_only {
            pos_own.push(key.clone());
        }
        let desc = description(f)?;
        let units = p.units.as_ref().map(LitStr::value).unwrap_or_default();
        let aliases = &p.aliases;
        let old_names = &p.old_names;
        let text = match default_text(f, &p) {
            _ if p.hidden => quote!(::core::option::Option::None),
            Ok(Some(t)) => quote!(::core::option::Option::Some(#t)),
            Ok(None) => quote!(::core::option::Option::None),
            Err(e) => return Err(e),
        };
        let kwarg_value = quote!(::ngclearn::core::kwargs::KwargValue);
        let value_fn = |e: Tokens| {
            quote! {
                ::core::option::Option::Some(|| {
                    let v: #ty = #e;
                    #kwarg_value::to_kwarg(&v)
                })
            }
        };
        let value = match &p.default {
            Some(e) => value_fn(quote!(#e)),
            None => quote!(::core::option::Option::None),
        };
        let none_means = match &p.none_means {
            Some(e) => value_fn(quote!(::core::option::Option::Some(#e))),
            None => quote!(::core::option::Option::None),
        };
        let deprecated = match &p.deprecated {
            None => quote!(::core::option::Option::None),
            Some(use_instead) => {
                let use_instead = match use_instead {
                    Some(u) => quote!(::core::option::Option::Some(#u)),
                    None => quote!(::core::option::Option::None),
                };
                quote! {
                    ::core::option::Option::Some(::ngclearn::core::schema::Deprecated {
                        use_instead: #use_instead,
                    })
                }
            }
        };
        let extension = p.extension;
        if !p.hidden {
            infos.push(quote! {
            ::ngclearn::core::schema::ParamInfo {
                name: #key,
                default: #text,
                value: #value,
                none_means: #none_means,
                kind: <#ty as #kwarg_value>::KIND,
                units: #units,
                aliases: &[#(#aliases,)* #(#old_names),*],
                old_names: &[#(#old_names),*],
                deprecated: #deprecated,
                extension: #extension,
                description: #desc,
            }
            });
        }
        let default = match &p.default {
            Some(e) => {
                inits.push(quote!(#ident: #e));
                quote!(::core::option::Option::Some(#e))
            }
            None => {
                required_names.push(format!("`{key}`"));
                required.push(quote!(#ident: #ty));
                inits.push(quote!(#ident));
                quote!(::core::option::Option::None)
            }
        };
        reads.push(match &p.deprecated {
            Some(None) => {
                let e = p
                    .default
                    .as_ref()
                    .expect("checked: a dropped parameter has a default");
                quote!(#ident: { kw.drop_deprecated(#key); #e })
            }
            Some(Some(use_instead)) => quote! {
                #ident: {
                    kw.warn_deprecated(#key, #use_instead);
                    kw.get_aliased::<#ty>(#key, &[#(#aliases),*], #default)?
                }
            },
            None if !p.old_names.is_empty() => quote! {
                #ident: kw.get_renamed::<#ty>(#key, &[#(#aliases),*], &[#(#old_names),*], #default)?
            },
            None => quote! {
                #ident: kw.get_aliased::<#ty>(#key, &[#(#aliases),*], #default)?
            },
        });
        if let Some(check) = &p.check {
            let check = quote!(::ngclearn::core::schema::checks::#check);
            checks.push(if is_option(ty) {
                quote! {
                    if let ::core::option::Option::Some(v) = self.#ident {
                        #check(component, #key, v)?;
                    }
                }
            } else {
                quote!(#check(component, #key, self.#ident)?;)
            });
        }
        if !p.skip_kwargs {
            let insert = quote! {
                map.insert(
                    ::std::string::String::from(#key),
                    ::ngclearn::core::kwargs::KwargValue::to_kwarg(&self.#ident),
                );
            };
            writes.push(match (&p.default, p.omit_default) {
                (Some(e), true) => quote! {
                    if ::core::cmp::PartialEq::ne(&self.#ident, &#e) {
                        #insert
                    }
                },
                _ => insert,
            });
        }
    }
    let table = if parts.is_empty() {
        let n = infos.len();
        quote!([::ngclearn::core::schema::ParamInfo; #n] = [#(#infos),*])
    } else {
        if !infos.is_empty() {
            let n = infos.len();
            lens.push(quote!(#n));
            parts.push(quote!(&[#(#infos),*]));
        }
        quote! {
            [::ngclearn::core::schema::ParamInfo; 0 #(+ #lens)*] =
                ::ngclearn::core::schema::join_params(&[#(#parts),*])
        }
    };
    if !pos_own.is_empty() {
        let n = pos_own.len();
        pos_lens.push(quote!(#n));
        pos_parts.push(quote!(&[#(#pos_own),*]));
    }
    let n_except = except.len();
    let new_doc = if required_names.is_empty() {
        "Every parameter at its default.".to_string()
    } else {
        format!(
            "{} and the defaults for the rest.",
            required_names.join(", ")
        )
    };
    Ok(quote! {
        impl #name {
            /// The help table of the parameters, in declaration order.
            pub const PARAMS: #table;

            /// ngclearn's positional parameters among these, in its order (the
            /// declaration order, less those marked `keyword_only`).
            pub const POSITIONAL: [&'static str; 0 #(+ #pos_lens)* - #n_except] =
                ::ngclearn::core::schema::join_names(&[#(#pos_parts),*], &[#(#except),*]);

            #[doc = #new_doc]
            #[allow(clippy::too_many_arguments)]
            pub fn new(#(#required),*) -> Self {
                Self { #(#inits),* }
            }

            /// Checks every parameter; an error names `component` and the parameter.
            pub fn validate(&self, component: &str) -> ::ngclearn::Result<()> {
                #(#checks)*
                ::core::result::Result::Ok(())
            }

            /// Reads every parameter from ngclearn's keyword arguments, by name, its
            /// default when absent. Not checked: see [`Self::validate`].
            pub fn from_kwargs(kw: &mut ::ngclearn::core::kwargs::Kwargs) -> ::ngclearn::Result<Self> {
                ::core::result::Result::Ok(Self { #(#reads),* })
            }

            /// Writes the parameters ngclearn saves into `map`, in declaration order.
            pub fn to_kwargs(
                &self,
                map: &mut ::ngclearn::core::kwargs::Map<::std::string::String, ::ngclearn::core::kwargs::Value>,
            ) {
                #(#writes)*
            }
        }
    })
}

/// What `#[compartment(...)]` says of one field.
struct CompartmentAttr {
    role: Option<Ident>,
    key: bool,
    flatten: bool,
    spikes: bool,
    /// `scalar`: ngclearn holds it as a scalar (its shape must be `(1, 1)`).
    scalar: bool,
    /// `int32`: ngclearn holds it as int32 (kept as float32, saved and given as int32).
    int32: bool,
    name: Option<LitStr>,
    shape: Option<LitStr>,
    units: Option<LitStr>,
}

fn compartment_attr(field: &Field) -> syn::Result<Option<CompartmentAttr>> {
    let mut found = None;
    for a in field
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("compartment"))
    {
        let mut c = CompartmentAttr {
            role: None,
            key: false,
            flatten: false,
            spikes: false,
            scalar: false,
            int32: false,
            name: None,
            shape: None,
            units: None,
        };
        a.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("input") || p.is_ident("state") || p.is_ident("output") {
                c.role = p.get_ident().cloned();
            } else if p.is_ident("key") {
                c.key = true;
            } else if p.is_ident("flatten") {
                c.flatten = true;
            } else if p.is_ident("spikes") {
                c.spikes = true;
            } else if p.is_ident("scalar") {
                c.scalar = true;
            } else if p.is_ident("int32") {
                c.int32 = true;
            } else if p.is_ident("name") {
                c.name = Some(meta.value()?.parse()?);
            } else if p.is_ident("shape") {
                c.shape = Some(meta.value()?.parse()?);
            } else if p.is_ident("units") {
                c.units = Some(meta.value()?.parse()?);
            } else {
                return Err(meta.error(
                    "expected input, state, output, key, flatten, spikes, scalar, int32, name, shape or units",
                ));
            }
            Ok(())
        })?;
        if c.flatten {
            if c.role.is_some()
                || c.key
                || c.spikes
                || c.scalar
                || c.int32
                || c.name.is_some()
                || c.shape.is_some()
                || c.units.is_some()
            {
                return Err(syn::Error::new(
                    a.span(),
                    "flatten takes no other attribute (the embedded struct declares its own)",
                ));
            }
        } else if c.role.is_some() == c.key {
            return Err(syn::Error::new(
                a.span(),
                "a compartment is one of input, state, output, key or flatten",
            ));
        }
        found = Some(c);
    }
    Ok(found)
}

fn compartments(input: &DeriveInput) -> syn::Result<Tokens> {
    let name = &input.ident;
    let mut default_shape = None;
    for a in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("compartments"))
    {
        a.parse_nested_meta(|meta| {
            if meta.path.is_ident("shape") {
                default_shape = Some(meta.value()?.parse::<LitStr>()?.value());
                Ok(())
            } else {
                Err(meta.error("expected shape"))
            }
        })?;
    }
    let info_path = quote!(::ngclearn::core::schema::CompartmentInfo);
    // The embedded struct (`#[compartment(flatten)]`), its field and type.
    let mut base: Option<(&Ident, &Type)> = None;
    let mut infos = Vec::new();
    let mut consts = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut own_key = false;
    // The own key's field and index among the own compartments.
    let mut own_key_field: Option<(&Ident, usize)> = None;
    let mut seen = 0usize;
    for f in named_fields(input)? {
        let Some(c) = compartment_attr(f)? else {
            continue;
        };
        let ident = f.ident.as_ref().expect("named field");
        if c.flatten {
            if seen > 0 {
                return Err(syn::Error::new(
                    f.span(),
                    "flatten must be the first compartment field",
                ));
            }
            base = Some((ident, &f.ty));
            seen += 1;
            continue;
        }
        seen += 1;
        if own_key {
            return Err(syn::Error::new(
                f.span(),
                "the key must be the last compartment",
            ));
        }
        let cname = c
            .name
            .as_ref()
            .map_or_else(|| ident.to_string(), LitStr::value);
        let i = infos.len();
        let desc = description(f)?;
        let units = c.units.as_ref().map(LitStr::value).unwrap_or_default();
        let spikes = c.spikes;
        if spikes && c.key {
            return Err(syn::Error::new(f.span(), "the key holds no spikes"));
        }
        let scalar = c.scalar;
        if scalar && c.shape.as_ref().map(LitStr::value).as_deref() != Some("(1, 1)") {
            return Err(syn::Error::new(
                f.span(),
                "a scalar compartment is declared with shape = \"(1, 1)\"",
            ));
        }
        let int32 = c.int32;
        if int32 && (c.key || scalar || spikes) {
            return Err(syn::Error::new(
                f.span(),
                "an int32 compartment is an array, neither a key, a scalar nor spikes",
            ));
        }
        let (role, kind, shape) = if c.key {
            own_key = true;
            own_key_field = Some((ident, i));
            (
                format_ident!("State"),
                format_ident!("Key"),
                quote!(::ngclearn::core::schema::Shape::NONE),
            )
        } else {
            let role = c.role.as_ref().expect("checked");
            let role = format_ident!("{}", capitalise(&role.to_string()));
            let shape = match (&c.shape, &default_shape) {
                (Some(s), _) => s.value(),
                (None, Some(s)) => s.clone(),
                (None, None) => {
                    return Err(syn::Error::new(
                        f.span(),
                        "give `shape = \"...\"` here or in #[compartments(shape = ...)]",
                    ))
                }
            };
            reads.push(quote!(#i => ::core::option::Option::Some(&self.#ident)));
            writes.push(quote!(#i => ::core::option::Option::Some(&mut self.#ident)));
            let span = c.shape.as_ref().map_or_else(|| f.span(), LitStr::span);
            (role, format_ident!("Array"), shape_tokens(&shape, span)?)
        };
        infos.push(quote! {
            #info_path {
                name: #cname,
                role: ::ngclearn::core::schema::Role::#role,
                kind: ::ngclearn::core::schema::Kind::#kind,
                shape: #shape,
                units: #units,
                description: #desc,
                spikes: #spikes,
                scalar: #scalar,
                int32: #int32,
            }
        });
        let upper = format_ident!("{}", cname.to_uppercase());
        let doc = format!("The index of compartment `{cname}`.");
        consts.push(quote! {
            #[doc = #doc]
            pub const #upper: usize = Self::BASE_ARRAYS + #i;
        });
    }
    let n = infos.len();
    // Without an embedded struct, "the base" is empty.
    let (base_arrays, base_key, base_read, base_write) = match base {
        Some((field, ty)) => (
            quote!(<#ty>::COMPARTMENTS.len() - <#ty>::HAS_KEY as usize),
            quote!(<#ty>::HAS_KEY),
            quote! {
                if index < Self::BASE_ARRAYS {
                    return self.#field.compartment(index);
                }
            },
            quote! {
                if index < Self::BASE_ARRAYS {
                    return self.#field.compartment_mut(index, token);
                }
            },
        ),
        None => (quote!(0), quote!(false), quote!(), quote!()),
    };
    // An own key beside an embedded struct's is a second key (the base's stays the
    // component's key); without a base the own key is the component's key.
    // A base's own second key (below BASE_ARRAYS) is the base's to answer.
    let (other_key_read, other_key_write) = match (base, own_key_field) {
        (Some((bf, ty)), Some((field, i))) => (
            quote! {
                if index < Self::BASE_ARRAYS {
                    return self.#bf.other_key(index);
                }
                if <#ty>::HAS_KEY && index == Self::BASE_ARRAYS + #i {
                    return ::core::option::Option::Some(self.#field);
                }
            },
            quote! {
                if index < Self::BASE_ARRAYS {
                    return self.#bf.other_key_mut(index);
                }
                if <#ty>::HAS_KEY && index == Self::BASE_ARRAYS + #i {
                    return ::core::option::Option::Some(&mut self.#field);
                }
            },
        ),
        (Some((bf, _)), None) => (
            quote! {
                if index < Self::BASE_ARRAYS {
                    return self.#bf.other_key(index);
                }
            },
            quote! {
                if index < Self::BASE_ARRAYS {
                    return self.#bf.other_key_mut(index);
                }
            },
        ),
        _ => (quote!(), quote!()),
    };
    let base_infos = match base {
        Some((_, ty)) => quote!(<#ty>::COMPARTMENTS),
        None => quote!([]),
    };
    Ok(quote! {
        impl #name {
            /// How many array compartments come first from the embedded struct.
            const BASE_ARRAYS: usize = #base_arrays;

            /// Whether one compartment is the PRNG key (always the last one).
            pub const HAS_KEY: bool = #own_key || #base_key;

            /// The compartments, in index order (the schema's table).
            pub const COMPARTMENTS: [#info_path; Self::BASE_ARRAYS + #n + #base_key as usize] = {
                const OWN: [#info_path; #n] = [#(#infos),*];
                let base: &[#info_path] = &#base_infos;
                const BLANK: #info_path = #info_path {
                    name: "",
                    role: ::ngclearn::core::schema::Role::State,
                    kind: ::ngclearn::core::schema::Kind::Array,
                    shape: ::ngclearn::core::schema::Shape::NONE,
                    units: "",
                    description: "",
                    spikes: false,
                    scalar: false,
                    int32: false,
                };
                let mut out = [BLANK; Self::BASE_ARRAYS + #n + #base_key as usize];
                let mut i = 0;
                while i < Self::BASE_ARRAYS {
                    out[i] = base[i];
                    i += 1;
                }
                let mut j = 0;
                while j < #n {
                    out[i] = OWN[j];
                    i += 1;
                    j += 1;
                }
                if #base_key {
                    out[i] = base[base.len() - 1];
                }
                out
            };

            #(#consts)*

            /// The array compartment at `index` (`None` for the key or past the end).
            pub fn compartment(&self, index: usize) -> ::core::option::Option<&::ngclearn::ndarray::Array2<f32>> {
                #base_read
                match index - Self::BASE_ARRAYS {
                    #(#reads,)*
                    _ => ::core::option::Option::None,
                }
            }

            /// The array compartment at `index`, mutably (for `Component::array_mut`).
            pub fn compartment_mut(
                &mut self,
                index: usize,
                token: ::ngclearn::core::component::WriteToken,
            ) -> ::core::option::Option<&mut ::ngclearn::ndarray::Array2<f32>> {
                let _ = &token;
                #base_write
                match index - Self::BASE_ARRAYS {
                    #(#writes,)*
                    _ => ::core::option::Option::None,
                }
            }

            /// A second key, held beside the base's (REINFORCESynapse's `seed`): its
            /// value at compartment `index`, `None` for any other index.
            pub fn other_key(&self, index: usize) -> ::core::option::Option<::ngclearn::core::rng::Key> {
                let _ = index;
                #other_key_read
                ::core::option::Option::None
            }

            /// The second key at `index`, mutably (see [`Self::other_key`]).
            pub fn other_key_mut(&mut self, index: usize) -> ::core::option::Option<&mut ::ngclearn::core::rng::Key> {
                let _ = index;
                #other_key_write
                ::core::option::Option::None
            }

            /// The index of the compartment `name`, if there is one.
            pub fn compartment_index(name: &str) -> ::core::option::Option<usize> {
                Self::COMPARTMENTS.iter().position(|c| c.name == name)
            }
        }
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// What `#[class(...)]` says of a class.
struct ClassAttr {
    name: Option<LitStr>,
    module: Option<LitStr>,
    description: Option<LitStr>,
    dynamics: Option<LitStr>,
    methods: Option<syn::Path>,
    params: Option<Expr>,
    params_type: Option<Type>,
    head: Option<Ident>,
    base: Option<Ident>,
    constructor: Option<Ident>,
    split: Option<syn::Path>,
    sizes: Option<syn::Path>,
    notes: Option<LitStr>,
    /// `kwargs = absent | checked | ignored`.
    kwargs: Option<Ident>,
    /// `keywords(method = [t, dt], ...)`.
    keywords: Vec<(String, Vec<String>)>,
    /// `fixed(name = EXPR, ...)`.
    fixed: Vec<(String, Expr)>,
    /// `extends = Class`: ngclearn's base class, one of this crate's.
    extends: Option<syn::Path>,
    /// `any_rows(pre, post)`: compartments that take any number of rows.
    any_rows: Vec<String>,
}

fn class_attr(input: &DeriveInput) -> syn::Result<ClassAttr> {
    let mut c = ClassAttr {
        name: None,
        module: None,
        description: None,
        dynamics: None,
        methods: None,
        params: None,
        params_type: None,
        head: None,
        base: None,
        constructor: None,
        split: None,
        sizes: None,
        notes: None,
        kwargs: None,
        keywords: Vec::new(),
        fixed: Vec::new(),
        extends: None,
        any_rows: Vec::new(),
    };
    for a in input.attrs.iter().filter(|a| a.path().is_ident("class")) {
        a.parse_nested_meta(|meta| {
            let p = &meta.path;
            if p.is_ident("name") {
                c.name = Some(meta.value()?.parse()?);
            } else if p.is_ident("module") {
                c.module = Some(meta.value()?.parse()?);
            } else if p.is_ident("description") {
                c.description = Some(meta.value()?.parse()?);
            } else if p.is_ident("dynamics") {
                c.dynamics = Some(meta.value()?.parse()?);
            } else if p.is_ident("methods") {
                c.methods = Some(meta.value()?.parse()?);
            } else if p.is_ident("params") {
                c.params = Some(meta.value()?.parse()?);
            } else if p.is_ident("params_type") {
                c.params_type = Some(meta.value()?.parse()?);
            } else if p.is_ident("head") {
                let h: Ident = meta.value()?.parse()?;
                if h != "n_units" && h != "shape" && h != "none" {
                    return Err(meta.error(
                        "head is n_units (cells), shape (synapses) or none (leading arguments that are parameters)",
                    ));
                }
                c.head = Some(h);
            } else if p.is_ident("base") {
                c.base = Some(meta.value()?.parse()?);
            } else if p.is_ident("constructor") {
                c.constructor = Some(meta.value()?.parse()?);
            } else if p.is_ident("split") {
                c.split = Some(meta.value()?.parse()?);
            } else if p.is_ident("sizes") {
                c.sizes = Some(meta.value()?.parse()?);
            } else if p.is_ident("notes") {
                c.notes = Some(meta.value()?.parse()?);
            } else if p.is_ident("kwargs") {
                let k: Ident = meta.value()?.parse()?;
                if !["absent", "checked", "ignored"].contains(&k.to_string().as_str()) {
                    return Err(meta.error(
                        "kwargs is absent (no **kwargs), checked (passed to a base that refuses others) or ignored",
                    ));
                }
                c.kwargs = Some(k);
            } else if p.is_ident("keywords") {
                meta.parse_nested_meta(|m| {
                    let method = m
                        .path
                        .get_ident()
                        .ok_or_else(|| m.error("expected a method name"))?
                        .to_string();
                    let list: syn::ExprArray = m.value()?.parse()?;
                    let mut names = Vec::new();
                    for e in list.elems {
                        let name = match &e {
                            Expr::Path(p) => p.path.get_ident().map(Ident::to_string),
                            _ => None,
                        };
                        match name {
                            // Others than t and dt (MPSSynapse's `evolve(eta)`) reach the
                            // component through `Component::set_keyword`.
                            Some(n) if !names.contains(&n) => names.push(n),
                            _ => {
                                return Err(syn::Error::new(
                                    e.span(),
                                    "a method's keywords are names, each at most once",
                                ))
                            }
                        }
                    }
                    if c.keywords.iter().any(|(k, _)| *k == method) {
                        return Err(m.error("keywords given twice for this method"));
                    }
                    c.keywords.push((method, names));
                    Ok(())
                })?;
            } else if p.is_ident("extends") {
                c.extends = Some(meta.value()?.parse()?);
            } else if p.is_ident("any_rows") {
                meta.parse_nested_meta(|m| {
                    let name = m
                        .path
                        .get_ident()
                        .ok_or_else(|| m.error("expected a compartment name"))?
                        .to_string();
                    c.any_rows.push(name);
                    Ok(())
                })?;
            } else if p.is_ident("fixed") {
                meta.parse_nested_meta(|m| {
                    let name = m
                        .path
                        .get_ident()
                        .ok_or_else(|| m.error("expected an argument name"))?
                        .to_string();
                    let value: Expr = m.value()?.parse()?;
                    c.fixed.push((name, value));
                    Ok(())
                })?;
            } else {
                return Err(meta.error(
                    "expected name, module, description, dynamics, notes, methods, keywords, kwargs, fixed, extends, any_rows, params, params_type, head, base, constructor, split or sizes",
                ));
            }
            Ok(())
        })?;
    }
    Ok(c)
}

fn class(input: &DeriveInput) -> syn::Result<Tokens> {
    let ty = &input.ident;
    let c = class_attr(input)?;
    let missing =
        |what: &str| syn::Error::new(input.span(), format!("#[class({what} = ...)] is required"));
    let class_name = c
        .name
        .as_ref()
        .map_or_else(|| ty.to_string(), LitStr::value);
    let module = c.module.as_ref().ok_or_else(|| missing("module"))?;
    let description = c
        .description
        .as_ref()
        .ok_or_else(|| missing("description"))?;
    let dynamics = c.dynamics.as_ref().ok_or_else(|| missing("dynamics"))?;
    let head = c.head.as_ref().ok_or_else(|| missing("head"))?;
    let methods = match &c.methods {
        Some(m) => quote!(#m),
        None => quote!(::ngclearn::core::schema::ADVANCE_AND_RESET),
    };
    let notes = c.notes.as_ref().map(LitStr::value).unwrap_or_default();
    let kwargs_policy = format_ident!(
        "{}",
        capitalise(
            &c.kwargs
                .as_ref()
                .map_or("checked".to_string(), Ident::to_string)
        )
    );
    let any_rows: Vec<&String> = c.any_rows.iter().collect();
    let fixed: Vec<Tokens> = c
        .fixed
        .iter()
        .map(|(name, e)| {
            quote! {
                ::ngclearn::core::schema::Fixed {
                    name: #name,
                    value: || ::ngclearn::core::kwargs::KwargValue::to_kwarg(&(#e)),
                }
            }
        })
        .collect();
    let extends = match &c.extends {
        Some(p) => quote!(::core::option::Option::Some(#p::schema)),
        None => quote!(::core::option::Option::None),
    };
    let keywords: Vec<Tokens> = c
        .keywords
        .iter()
        .map(|(m, names)| quote!((#m, &[#(#names),*])))
        .collect();
    let fields = named_fields(input)?;
    // Where the parameters are (a field, or a field of a field), and their type.
    let params_field: Expr = c.params.clone().unwrap_or_else(|| syn::parse_quote!(p));
    let params_ty = match (&c.params_type, &params_field) {
        (Some(t), _) => t.clone(),
        (None, Expr::Path(path)) => {
            let f = path.path.get_ident();
            fields
                .iter()
                .find(|x| x.ident.as_ref().is_some() && x.ident.as_ref() == f)
                .ok_or_else(|| {
                    syn::Error::new(
                        input.span(),
                        "no field holds the parameters: give `params = field`",
                    )
                })?
                .ty
                .clone()
        }
        (None, _) => {
            return Err(syn::Error::new(
                params_field.span(),
                "give `params_type = Type` for parameters inside a field",
            ))
        }
    };
    let has_field = |n: &str| {
        fields
            .iter()
            .any(|f| f.ident.as_ref().is_some_and(|i| i == n))
    };
    let own_key = fields.iter().any(|f| {
        f.attrs.iter().any(|a| {
            a.path().is_ident("compartment") && a.parse_args::<Ident>().is_ok_and(|i| i == "key")
        })
    });
    // The name, key and leading arguments: the struct's own fields, or its base's.
    let base = match &c.base {
        Some(b) => Some(b.clone()),
        None if has_field("name") => None,
        None => fields
            .iter()
            .find(|f| {
                f.attrs.iter().any(|a| {
                    a.path().is_ident("compartment")
                        && a.parse_args::<Ident>().is_ok_and(|i| i == "flatten")
                })
            })
            .and_then(|f| f.ident.clone()),
    };
    let base_trait = quote!(::ngclearn::core::component::ClassBase);
    let (name_expr, key_expr, set_key, head_expr) = match &base {
        Some(b) => (
            quote!(#base_trait::name(&self.#b)),
            quote!(#base_trait::key(&self.#b)),
            quote!(#base_trait::set_key(&mut self.#b, key)),
            quote!(#base_trait::head(&self.#b)),
        ),
        None => {
            if !own_key {
                return Err(syn::Error::new(
                    input.span(),
                    "a class without a base needs a `#[compartment(key)]` field",
                ));
            }
            let head = if head == "none" {
                quote!(())
            } else if head == "n_units" {
                if !has_field("n_units") {
                    return Err(syn::Error::new(
                        input.span(),
                        "a class with head = n_units and no base needs a field `n_units: usize`",
                    ));
                }
                quote!(::ngclearn::core::component::Head::Units(self.n_units))
            } else {
                if !has_field("shape") {
                    return Err(syn::Error::new(
                        input.span(),
                        "a class with head = shape and no base needs a field `shape: (usize, usize)`",
                    ));
                }
                quote!(::ngclearn::core::component::Head::Shape(
                    self.shape.0,
                    self.shape.1
                ))
            };
            (
                quote!(&self.name),
                quote!(self.key),
                quote!(self.key = key),
                head,
            )
        }
    };
    // `head = none`: the leading arguments are the parameters' first (required) fields;
    // the constructor takes `()` in the head's place.
    let no_head = head == "none";
    let (head_params, read_head) = if no_head {
        (quote!(), quote!(()))
    } else if head == "n_units" {
        (
            quote!(&[::ngclearn::core::schema::N_UNITS],),
            quote!(kw.usize_or("n_units", ::core::option::Option::None)?),
        )
    } else {
        (
            quote!(&[::ngclearn::core::schema::SHAPE],),
            quote!(kw.shape("shape")?),
        )
    };
    let n_head = usize::from(!no_head);
    let head_names = if no_head {
        quote!(&["name"])
    } else {
        let head_name = head.to_string();
        quote!(&["name", #head_name])
    };
    let insert_head = if no_head {
        quote!()
    } else {
        quote!(::ngclearn::core::component::Head::insert(#head_expr, &mut m);)
    };
    let constructor = c
        .constructor
        .clone()
        .unwrap_or_else(|| format_ident!("new"));
    let split = match &c.split {
        None => quote!(::core::option::Option::None),
        Some(p) if p.is_ident("columns") => quote! {
            ::core::option::Option::Some(::ngclearn::core::partition::partition_by_kwargs(self, cols))
        },
        Some(p) => quote!(::core::option::Option::Some(#p(self, cols))),
    };
    // The class entry is a static outside the type's impls: `Self::f` names the type.
    let sizes = match &c.sizes {
        Some(p) if p.segments.first().is_some_and(|s| s.ident == "Self") => {
            let rest = p.segments.iter().skip(1);
            quote!(#ty #(:: #rest)*)
        }
        Some(p) => quote!(#p),
        None => quote!(::ngclearn::core::class::no_sizes),
    };
    let upper = ty.to_string().to_uppercase();
    let params_static = format_ident!("__NGCLEARN_{}_PARAMS", upper);
    let signature_static = format_ident!("__NGCLEARN_{}_SIGNATURE", upper);
    let schema_static = format_ident!("__NGCLEARN_{}_SCHEMA", upper);
    let methods_static = format_ident!("__NGCLEARN_{}_METHODS", upper);
    let fixed_static = format_ident!("__NGCLEARN_{}_FIXED", upper);
    let n_fixed = fixed.len();
    let (methods_item, methods_ref) = if keywords.is_empty() {
        (quote!(), quote!(&#methods))
    } else {
        (
            quote! {
                #[doc(hidden)]
                static #methods_static: [::ngclearn::core::schema::MethodInfo; #methods.len()] =
                    ::ngclearn::core::schema::with_keywords(&#methods, &[#(#keywords),*]);
            },
            quote!(&#methods_static),
        )
    };
    let class_static = format_ident!("__NGCLEARN_{}_CLASS", upper);
    let schema_path = quote!(::ngclearn::core::schema);
    Ok(quote! {
        #methods_item

        #[doc(hidden)]
        static #fixed_static: [#schema_path::Fixed; #n_fixed] = [#(#fixed),*];

        #[doc(hidden)]
        static #params_static: [#schema_path::ParamInfo; #n_head + <#params_ty>::PARAMS.len()] =
            #schema_path::join_params(&[#head_params &<#params_ty>::PARAMS]);

        #[doc(hidden)]
        static #signature_static: [&str; 1 + #n_head + <#params_ty>::POSITIONAL.len()] =
            #schema_path::join_names(&[#head_names, &<#params_ty>::POSITIONAL], &[]);

        #[doc(hidden)]
        static #schema_static: #schema_path::Schema = #schema_path::Schema {
            class: #class_name,
            module_path: #module,
            description: #description,
            compartments: &#ty::COMPARTMENTS,
            dynamics: #dynamics,
            hyperparameters: &#params_static,
            methods: #methods_ref,
            signature: &#signature_static,
            notes: #notes,
            kwargs: #schema_path::VarKeyword::#kwargs_policy,
            fixed: &#fixed_static,
            extends: #extends,
            any_rows: &[#(#any_rows),*],
        };

        #[doc(hidden)]
        static #class_static: ::ngclearn::core::class::ComponentClass =
            ::ngclearn::core::class::ComponentClass {
                schema: &#schema_static,
                from_kwargs: |kw| ::core::result::Result::Ok(::std::boxed::Box::new(#ty::from_kwargs(kw)?)),
                sizes: #sizes,
            };

        impl #ty {
            /// The class, for a registry ([`Registry`](::ngclearn::core::class::Registry)).
            pub const CLASS: &'static ::ngclearn::core::class::ComponentClass = &#class_static;

            /// The class's help metadata.
            pub fn schema() -> &'static #schema_path::Schema {
                &#schema_static
            }

            /// Builds one from ngclearn's keyword arguments (see
            /// [`Kwargs`](::ngclearn::core::kwargs::Kwargs)).
            pub fn from_kwargs(kw: &mut ::ngclearn::core::kwargs::Kwargs) -> ::ngclearn::Result<Self> {
                kw.set_class(#class_name);
                let name = kw.name()?;
                let head = #read_head;
                let p = <#params_ty>::from_kwargs(kw)?;
                for w in kw.take_warnings() {
                    ::ngclearn::warning::warn(w);
                }
                #ty::#constructor(&name, head, p)
            }

            /// The parameters it was built with.
            pub fn params(&self) -> &#params_ty {
                &self.#params_field
            }
        }

        impl ::ngclearn::core::component::Declared for #ty {
            fn name(&self) -> &str {
                #name_expr
            }
            fn schema(&self) -> &'static #schema_path::Schema {
                &#schema_static
            }
            fn class(&self) -> &'static ::ngclearn::core::class::ComponentClass {
                &#class_static
            }
            fn array(&self, index: usize) -> ::core::option::Option<&::ngclearn::ndarray::Array2<f32>> {
                self.compartment(index)
            }
            fn array_mut(
                &mut self,
                index: usize,
                token: ::ngclearn::core::component::WriteToken,
            ) -> ::core::option::Option<&mut ::ngclearn::ndarray::Array2<f32>> {
                self.compartment_mut(index, token)
            }
            fn key(&self) -> ::ngclearn::core::rng::Key {
                #key_expr
            }
            fn set_key(&mut self, key: ::ngclearn::core::rng::Key) {
                #set_key;
            }
            fn key_at(&self, index: usize) -> ::ngclearn::core::rng::Key {
                self.other_key(index).unwrap_or_else(|| self.key())
            }
            fn set_key_at(&mut self, index: usize, key: ::ngclearn::core::rng::Key) {
                match self.other_key_mut(index) {
                    ::core::option::Option::Some(k) => *k = key,
                    ::core::option::Option::None => self.set_key(key),
                }
            }
            fn as_any(&self) -> &dyn ::core::any::Any {
                self
            }
            fn kwargs(&self) -> ::ngclearn::core::kwargs::Map<::std::string::String, ::ngclearn::core::kwargs::Value> {
                let mut m = ::ngclearn::core::kwargs::Map::new();
                m.insert("name".into(), ::ngclearn::core::kwargs::Value::from(::ngclearn::core::component::Declared::name(self)));
                #insert_head
                self.#params_field.to_kwargs(&mut m);
                m
            }
            fn partition(
                &self,
                cols: ::core::ops::Range<usize>,
            ) -> ::core::option::Option<::ngclearn::Result<::std::boxed::Box<dyn ::ngclearn::core::component::Component>>> {
                let _ = &cols;
                #split
            }
        }
    })
}

/// A shape's text (`(batch_size, n_post)`, `(1, 1) or (n_pre, n_post)`, `(win_len *
/// batch_size, n_units)`) as a `Shape` value; an error at `span` if it does not read.
fn shape_tokens(text: &str, span: proc_macro2::Span) -> syn::Result<Tokens> {
    let bad = |why: &str| {
        syn::Error::new(
            span,
            format!("shape `{text}`: {why} (expected `(a, b)` of 1, batch_size, n_units, n_pre, n_post or another name, products with `*`, alternatives with ` or `)"),
        )
    };
    let mut alts = Vec::new();
    for alt in text.split(" or ") {
        let inner = alt
            .trim()
            .strip_prefix('(')
            .and_then(|a| a.strip_suffix(')'))
            .ok_or_else(|| bad("an alternative is not in parentheses"))?;
        let mut axes = Vec::new();
        for axis in inner.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            let mut sizes = Vec::new();
            for size in axis.split('*').map(str::trim) {
                sizes.push(match size {
                    "1" => quote!(::ngclearn::core::schema::Size::One),
                    "batch_size" => quote!(::ngclearn::core::schema::Size::Batch),
                    "n_units" => quote!(::ngclearn::core::schema::Size::Units),
                    "n_pre" => quote!(::ngclearn::core::schema::Size::Pre),
                    "n_post" => quote!(::ngclearn::core::schema::Size::Post),
                    name if !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                        && !name.starts_with(|c: char| c.is_ascii_digit()) =>
                    {
                        quote!(::ngclearn::core::schema::Size::Named(#name))
                    }
                    other => return Err(bad(&format!("`{other}` is not a size"))),
                });
            }
            axes.push(quote!(&[#(#sizes),*]));
        }
        if axes.is_empty() {
            return Err(bad("an alternative has no axis"));
        }
        alts.push(quote!(&[#(#axes),*]));
    }
    Ok(quote!(::ngclearn::core::schema::Shape(&[#(#alts),*])))
}
