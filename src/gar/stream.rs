//! One pass of libxml2 over a document: the parser reads the bytes once,
//! the compiled schema checks the events as they go by
//! (`xmlSchemaValidateStream`, the validation `xmllint --sax --schema`
//! runs), and the same events reach a Rust reader ([`Events`]). No tree is
//! built: what the pass holds is libxml2's input window, the schema's
//! identity-constraint tables and what the reader keeps.
//!
//! The one module of the crate allowed `unsafe`: the `libxml` crate's safe
//! API only validates a whole tree and gives no line for a node, so this
//! calls libxml2's C functions through the crate's raw bindings. Why each
//! call is sound is written beside it; docs/design.md gives the argument as
//! a whole.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_void};

use libxml::bindings;
use libxml::schemas::SchemaValidationContext;

/// What the reader of a document is told, in document order.
pub(crate) trait Events {
    /// An element starts, on `line` (where its start tag ends).
    fn start(&mut self, local: &[u8], namespace: Option<&[u8]>, line: u32);
    /// The innermost open element ends.
    fn end(&mut self);
    /// Character data, in one or more pieces per text.
    fn text(&mut self, text: &[u8]);
}

/// A problem libxml2 reported, with its line when it gave one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    /// 1-based line.
    pub line: Option<u32>,
    /// libxml2's message, trimmed.
    pub message: String,
}

/// What one pass found.
#[derive(Debug, Default)]
pub(crate) struct Pass {
    /// The first well-formedness error: the parser stops there, and the
    /// reader saw only what came before.
    pub malformed: Option<Problem>,
    /// The schema's findings, in document order.
    pub invalid: Vec<Problem>,
}

/// The state the C callbacks reach through their `void *`.
struct Sink<'a> {
    events: &'a mut dyn Events,
    validation: bindings::xmlSchemaValidCtxtPtr,
    malformed: Option<Problem>,
    invalid: Vec<Problem>,
}

impl Sink<'_> {
    /// The parser's current line.
    fn line(&self) -> u32 {
        // SAFETY: `validation` is the live context of the running
        // `xmlSchemaValidateStream`, which set its parser context before
        // parsing and clears it only after; both calls only read it.
        let line = unsafe {
            let parser = bindings::xmlSchemaValidCtxtGetParserCtxt(self.validation);
            if parser.is_null() {
                return 0;
            }
            bindings::xmlSAX2GetLineNumber(parser.cast())
        };
        u32::try_from(line).unwrap_or(0)
    }
}

/// A NUL-terminated libxml2 string, borrowed for the callback.
///
/// # Safety
/// `text` is null or points to a NUL-terminated string alive for `'a`.
unsafe fn c_bytes<'a>(text: *const bindings::xmlChar) -> Option<&'a [u8]> {
    if text.is_null() {
        None
    } else {
        // SAFETY: the caller's contract.
        Some(unsafe { CStr::from_ptr(text.cast::<c_char>()) }.to_bytes())
    }
}

/// # Safety
/// Called by libxml2 with the `Sink` given to `xmlSchemaValidateStream`
/// as `ctx`, and element names it owns for the time of the call.
unsafe extern "C" fn start_element(
    ctx: *mut c_void,
    local: *const bindings::xmlChar,
    _prefix: *const bindings::xmlChar,
    uri: *const bindings::xmlChar,
    _namespaces: c_int,
    _declared: *mut *const bindings::xmlChar,
    _attributes: c_int,
    _defaulted: c_int,
    _values: *mut *const bindings::xmlChar,
) {
    // SAFETY: `ctx` is the `&mut Sink` of `pass`, alive and not otherwise
    // borrowed while libxml2 runs; the names are libxml2's, valid now.
    unsafe {
        let sink = &mut *ctx.cast::<Sink<'_>>();
        let line = sink.line();
        sink.events
            .start(c_bytes(local).unwrap_or_default(), c_bytes(uri), line);
    }
}

/// # Safety
/// As [`start_element`].
unsafe extern "C" fn end_element(
    ctx: *mut c_void,
    _local: *const bindings::xmlChar,
    _prefix: *const bindings::xmlChar,
    _uri: *const bindings::xmlChar,
) {
    // SAFETY: as in `start_element`.
    let sink = unsafe { &mut *ctx.cast::<Sink<'_>>() };
    sink.events.end();
}

/// # Safety
/// As [`start_element`]; `text` holds `len` bytes.
unsafe extern "C" fn characters(ctx: *mut c_void, text: *const bindings::xmlChar, len: c_int) {
    let Ok(len) = usize::try_from(len) else {
        return;
    };
    if text.is_null() {
        return;
    }
    // SAFETY: as in `start_element`; libxml2 hands `len` readable bytes.
    unsafe {
        let sink = &mut *ctx.cast::<Sink<'_>>();
        sink.events.text(std::slice::from_raw_parts(text, len));
    }
}

/// A document type declaration: refused here too, whatever the caller
/// checked, since an entity reference would reach a libxml2 path that
/// hands our state to the validator as its own (`referenceSplit` in 2.9).
///
/// # Safety
/// As [`start_element`].
unsafe extern "C" fn internal_subset(
    ctx: *mut c_void,
    _name: *const bindings::xmlChar,
    _public: *const bindings::xmlChar,
    _system: *const bindings::xmlChar,
) {
    // SAFETY: as in `start_element`; the parser context is the running
    // one, and stopping it is what `xmlStopParser` is for.
    unsafe {
        let sink = &mut *ctx.cast::<Sink<'_>>();
        if sink.malformed.is_none() {
            let line = sink.line();
            sink.malformed = Some(Problem {
                line: Some(line).filter(|l| *l > 0),
                message: "déclaration DOCTYPE refusée".to_owned(),
            });
        }
        let parser = bindings::xmlSchemaValidCtxtGetParserCtxt(sink.validation);
        if !parser.is_null() {
            bindings::xmlStopParser(parser);
        }
    }
}

/// An error as libxml2 reports it.
///
/// # Safety
/// `error` is one libxml2 is reporting: its message is null or a
/// NUL-terminated string alive for the call.
unsafe fn problem(error: &bindings::_xmlError) -> Problem {
    // SAFETY: the caller's contract.
    let message = unsafe { c_bytes(error.message.cast_const().cast()) }
        .map(|m| String::from_utf8_lossy(m).trim().to_owned())
        .unwrap_or_else(|| "erreur sans message".to_owned());
    Problem {
        line: u32::try_from(error.line).ok().filter(|l| *l > 0),
        message,
    }
}

/// The parser's errors. libxml2 sends them to the thread's structured error
/// function, since the handler given to the parser sets none of its own.
///
/// # Safety
/// As [`start_element`]; `error` is null or a valid `xmlError`.
unsafe extern "C" fn parse_error(ctx: *mut c_void, error: *mut bindings::_xmlError) {
    if ctx.is_null() || error.is_null() {
        return;
    }
    // SAFETY: as in `start_element`; libxml2 owns `error` for the call.
    let (sink, error) = unsafe { (&mut *ctx.cast::<Sink<'_>>(), &*error) };
    // Warnings (a namespace name that is not an absolute URI) do not stop
    // the parser; errors, namespace ones included, make the file
    // unreadable, as they did for the reader before this one.
    if error.level >= bindings::xmlErrorLevel_XML_ERR_ERROR && sink.malformed.is_none() {
        // SAFETY: `error` is the one libxml2 is reporting.
        sink.malformed = Some(unsafe { problem(error) });
    }
}

/// The schema's findings: the validation context's handler for the pass.
///
/// # Safety
/// As [`parse_error`].
unsafe extern "C" fn schema_error(ctx: *mut c_void, error: *mut bindings::_xmlError) {
    if ctx.is_null() || error.is_null() {
        return;
    }
    // SAFETY: as in `parse_error`.
    let (sink, error) = unsafe { (&mut *ctx.cast::<Sink<'_>>(), &*error) };
    if error.level >= bindings::xmlErrorLevel_XML_ERR_ERROR {
        // SAFETY: as above.
        sink.invalid.push(unsafe { problem(error) });
    }
}

/// The bytes libxml2 reads from, a piece at a time.
struct Cursor<'a> {
    rest: &'a [u8],
}

/// libxml2's read callback: copies up to `len` bytes and moves on; 0 at
/// the end.
///
/// # Safety
/// `ctx` is the `Cursor` given to `xmlParserInputBufferCreateIO`, alive
/// for the whole pass; `buffer` has room for `len` bytes.
unsafe extern "C" fn read_piece(ctx: *mut c_void, buffer: *mut c_char, len: c_int) -> c_int {
    let Ok(room) = usize::try_from(len) else {
        return -1;
    };
    if ctx.is_null() || buffer.is_null() {
        return -1;
    }
    // SAFETY: the caller's contract; the two regions cannot overlap, one
    // being libxml2's buffer and the other the caller's slice.
    unsafe {
        let cursor = &mut *ctx.cast::<Cursor<'_>>();
        let n = room.min(cursor.rest.len());
        std::ptr::copy_nonoverlapping(cursor.rest.as_ptr(), buffer.cast::<u8>(), n);
        cursor.rest = &cursor.rest[n..];
        c_int::try_from(n).unwrap_or(-1)
    }
}

/// A structured error handler, with the C calling convention.
type ErrorHandler = Option<unsafe extern "C" fn(*mut c_void, *mut bindings::_xmlError)>;

// Declared here with the C calling convention: the crate's bindings type
// these handlers as Rust functions.
unsafe extern "C" {
    fn xmlSetStructuredErrorFunc(ctx: *mut c_void, handler: ErrorHandler);
    fn xmlSchemaSetValidStructuredErrors(
        validation: bindings::xmlSchemaValidCtxtPtr,
        handler: ErrorHandler,
        ctx: *mut c_void,
    );
    /// This thread's structured error function and its context.
    fn __xmlStructuredError() -> *mut ErrorHandler;
    fn __xmlStructuredErrorContext() -> *mut *mut c_void;
}

/// Parses `data` once, validating it with `validation` and telling `events`
/// what the parser sees. Documents reach it only after
/// [`super::export::screen`]: with no DTD, no entity is expanded and nothing
/// is fetched (a DTD that got through would stop the parser here anyway).
pub(crate) fn pass(
    validation: &mut SchemaValidationContext,
    data: &[u8],
    events: &mut dyn Events,
) -> Pass {
    let mut sink = Sink {
        events,
        validation: validation.as_ptr(),
        malformed: None,
        invalid: Vec::new(),
    };
    // SAFETY: every field of the handler is a nullable function pointer, an
    // integer or a raw pointer, for which all-zero is "absent".
    let mut handler: bindings::xmlSAXHandler = unsafe { std::mem::zeroed() };
    handler.initialized = bindings::XML_SAX2_MAGIC;
    handler.startElementNs = Some(start_element);
    handler.endElementNs = Some(end_element);
    handler.characters = Some(characters);
    // Same function, as libxml2's own plug does, so the parser never asks
    // whether blank text is ignorable.
    handler.ignorableWhitespace = Some(characters);
    // libxml2's plug hands CDATA only to this callback: without it, a name
    // written as CDATA would be read as empty.
    handler.cdataBlock = Some(characters);
    handler.internalSubset = Some(internal_subset);
    let sink_ptr: *mut c_void = (&raw mut sink).cast();
    // libxml2 pulls the bytes a few kilobytes at a time into its own
    // buffer, which it empties as it goes: a copy of the whole file would
    // double what each thread holds.
    let mut cursor = Cursor { rest: data };
    // SAFETY: the input buffer reads `cursor` through `read_piece` and the
    // parser context frees the buffer (never `cursor`) before the call
    // returns (should libxml2 fail to make its context, the buffer leaks,
    // and is never read again); `cursor`, `handler` and `sink` outlive the
    // call; the thread's error function and the validation context's
    // handler point at `sink` only during the call, on this same thread,
    // and the thread's previous function is put back after it.
    let rc = unsafe {
        let input = bindings::xmlParserInputBufferCreateIO(
            Some(read_piece),
            None,
            (&raw mut cursor).cast(),
            bindings::xmlCharEncoding_XML_CHAR_ENCODING_NONE,
        );
        if input.is_null() {
            -1
        } else {
            let previous = (*__xmlStructuredError(), *__xmlStructuredErrorContext());
            xmlSetStructuredErrorFunc(sink_ptr, Some(parse_error));
            xmlSchemaSetValidStructuredErrors(validation.as_ptr(), Some(schema_error), sink_ptr);
            let rc = bindings::xmlSchemaValidateStream(
                validation.as_ptr(),
                input,
                bindings::xmlCharEncoding_XML_CHAR_ENCODING_NONE,
                &raw mut handler,
                sink_ptr,
            );
            xmlSchemaSetValidStructuredErrors(validation.as_ptr(), None, std::ptr::null_mut());
            xmlSetStructuredErrorFunc(previous.1, previous.0);
            rc
        }
    };
    let Sink {
        mut malformed,
        mut invalid,
        ..
    } = sink;
    if rc < 0 && malformed.is_none() {
        // The validator stops the parser when it fails inside, without a
        // well-formedness error: what was read is not the whole file.
        malformed = Some(Problem {
            line: None,
            message: "lecture interrompue par une erreur interne de libxml2".to_owned(),
        });
    } else if rc > 0 && invalid.is_empty() && malformed.is_none() {
        // libxml2 said "invalid" without saying why: never a silent pass.
        invalid.push(Problem {
            line: None,
            message: format!("document refusé par libxml2 (code {rc}) sans message"),
        });
    }
    Pass { malformed, invalid }
}
